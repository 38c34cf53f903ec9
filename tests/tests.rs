//! Integration tests: the real binary, driven the way users drive it, against the stock
//! `age` tool and real keys. One test binary, so everything links once.

mod services;
mod util;

mod arm64;
mod aws;
mod cctv;
mod cli_pinned;
mod corruption;
mod crash;
mod credentials;
mod echo;
mod edges;
mod files;
mod first_use;
mod fleet;
mod fuzz_regressions;
mod generated;
mod hardware_keys;
mod image;
mod inert;
mod interop;
mod keygen;
mod kubernetes;
mod live;
mod passphrase;
mod pinning;
mod pq;
mod readme;
mod recover;
mod rekey;
mod release;
mod run;
mod several;
mod signatures;
mod snapshot;
mod strict_inputs;
mod tenants;
mod vault_logins;
mod vectors;
mod verify_inspect;
