
use builtin;
use str;

set edit:completion:arg-completer[lifeboat] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'lifeboat'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'lifeboat'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand keygen 'Make a new X25519 key; print its age1… recipient (with -y: print a key file''s recipients)'
            cand snapshot 'Read secrets from a source and seal them into a snapshot file'
            cand inspect 'Show what a snapshot says about itself, with no key'
            cand verify 'Open a snapshot with a key and check it, printing no secret value'
            cand recover 'Break-glass: open a snapshot with a key and print or write its secrets'
            cand run 'The entrypoint: live secrets first, the snapshot as fallback, then exec the app'
            cand diff 'Compare a snapshot with the live source: names added, removed, changed; no values'
            cand rekey 'Seal a snapshot''s secrets to other keys: key rotation without a rebuild'
            cand completions 'Print a shell''s completion script: `source <(lifeboat completions bash)`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lifeboat;keygen'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand -o 'Write the identity to FILE (mode 0600; an existing file is never replaced) and print only the recipient. Without it the identity goes to stdout'
            cand --output 'Write the identity to FILE (mode 0600; an existing file is never replaced) and print only the recipient. Without it the identity goes to stdout'
            cand --pq 'Make a hybrid post-quantum key (ML-KEM-768 + X25519, age 1.3''s `age1pq1…`), which a future quantum computer cannot break. Its recipient is about 2,000 characters'
            cand --passphrase 'Protect the identity file with a passphrase, asked twice on the terminal: a break-glass key a person can hold. The file is an age file (armored) that `age -d` and rage also open; needs --output'
            cand -y 'Print the recipient (public key) of every identity in INPUT, one a line, as `age-keygen -y` does; a passphrase-protected file is asked for on the terminal. Reads standard input without INPUT (or with -)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;snapshot'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand --source 'Where the secrets come from: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (a flat JSON object of strings), env:PREFIX, or file:PATH (dotenv or flat JSON). Repeat it (or separate with commas) to merge several in order'
            cand --token-file 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN'
            cand --ca-file 'Also trust the CA certificates in FILE (PEM). Repeatable'
            cand --role-id-file 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)'
            cand --secret-id-file 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)'
            cand --vault-auth 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given'
            cand --vault-role 'The Vault role to log in as (kubernetes and jwt logins)'
            cand --vault-auth-mount 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)'
            cand --jwt-file 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)'
            cand --name 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object'
            cand --timeout 'The total time for fetching from a live source, retries included'
            cand -r 'A recipient to seal to: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several; comma- or newline-separated in the variable'
            cand --recipient 'A recipient to seal to: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several; comma- or newline-separated in the variable'
            cand -R 'A file of recipients, one a line (age''s recipients-file format). Repeatable'
            cand --recipients-file 'A file of recipients, one a line (age''s recipients-file format). Repeatable'
            cand -o 'The snapshot file to write (replaced atomically if it exists)'
            cand --output 'The snapshot file to write (replaced atomically if it exists)'
            cand --expires-in 'Make the snapshot expire after DUR (90s, 5m, 12h, 30d): `run` and `verify` refuse it afterwards; `recover` still opens it'
            cand --build-id 'The build this snapshot is made in (a timestamp, the CI run id), shown in the summary. In a Dockerfile it is the `LIFEBOAT_BUILD_ID` build argument, which makes the snapshot step re-run on every build'
            cand --sign-key 'Sign the snapshot with this OpenSSH Ed25519 private key (a build secret; a passphrase-protected one is asked for on the terminal): writes OUT.sig beside it, an SSH signature for the namespace lifeboat-snapshot that `ssh-keygen -Y verify` and `run --trusted-signers` check'
            cand --allow-override 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error'
            cand --publish-names 'Record the secret names in the metadata that `inspect` shows with no key'
            cand --require-build-id 'Refuse to run without a build id (Dockerfile.example sets it): BuildKit would otherwise reuse a cached snapshot with old secrets without a word'
            cand --json 'Print the summary as one JSON object (path, id, secret count, source, sha256), for scripts that pin the snapshot'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;inspect'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand --image 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball'
            cand --path 'The snapshot''s path inside the image'
            cand --platform 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host''s'
            cand --image-ref 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name'
            cand --json 'Print one JSON object instead of text'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;verify'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand --image 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball'
            cand --path 'The snapshot''s path inside the image'
            cand --platform 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host''s'
            cand --image-ref 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name'
            cand -i 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --identity 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --expect-sha256 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file'
            cand --trusted-signers 'Refuse, before opening it, a snapshot without a valid signature (SNAPSHOT.sig beside it) by a key in FILE, OpenSSH''s allowed_signers format, for the namespace lifeboat-snapshot (namespaces=, valid-after=, valid-before= honoured)'
            cand --max-age 'Refuse a snapshot older than DUR (90s, 5m, 12h, 30d)'
            cand --json 'Print one JSON object instead of text'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;recover'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand --snapshot 'The snapshot file'
            cand --image 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball'
            cand --path 'The snapshot''s path inside the image'
            cand --platform 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host''s'
            cand --image-ref 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name'
            cand -i 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --identity 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --expect-sha256 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file'
            cand --format 'The output format'
            cand -o 'Write to FILE (mode 0600) instead of stdout. An existing file is never replaced unless --force is given'
            cand --output 'Write to FILE (mode 0600) instead of stdout. An existing file is never replaced unless --force is given'
            cand --only 'Recover only these secrets (repeatable, or comma-separated)'
            cand --name 'With --format kubernetes: the Secret''s name'
            cand --namespace 'With --format kubernetes: the Secret''s namespace (none: kubectl''s current one)'
            cand --force 'Replace an existing output file (atomically)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;run'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand --snapshot 'The snapshot to fall back on'
            cand --source 'The live source: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (also env:PREFIX, file:PATH). Repeat it (or separate with commas) to merge several in order'
            cand --token-file 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN'
            cand --ca-file 'Also trust the CA certificates in FILE (PEM). Repeatable'
            cand --role-id-file 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)'
            cand --secret-id-file 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)'
            cand --vault-auth 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given'
            cand --vault-role 'The Vault role to log in as (kubernetes and jwt logins)'
            cand --vault-auth-mount 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)'
            cand --jwt-file 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)'
            cand --name 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object'
            cand -i 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --identity 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --expect-sha256 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file'
            cand --trusted-signers 'Refuse, before opening it, a snapshot without a valid signature (SNAPSHOT.sig beside it) by a key in FILE, OpenSSH''s allowed_signers format, for the namespace lifeboat-snapshot (namespaces=, valid-after=, valid-before= honoured)'
            cand --timeout 'The total time for the live fetch: connecting, retries and the body'
            cand --max-age 'Refuse a snapshot older than DUR'
            cand --fallback-on 'The failure classes that fall back to the snapshot: unreachable, server-error, bad-response, denied, not-found (comma-separated; also all or none)'
            cand --cache-dir 'A directory for the runtime cache and the crash-loop breaker (a memory emptyDir, which outlives container restarts): after each live fetch the secrets are sealed there to the runtime key, and on fallback the fresher of it and the baked snapshot serves. A missing, read-only or full directory only warns'
            cand --live-cooldown 'With --cache-dir: after a live fetch failed (in a class that falls back), starts within DUR (stretched by up to half, at random, per start) go straight to the freshest copy without asking the service. 0s turns the breaker off'
            cand --files-dir 'Deliver the secrets named by --file as files (mode 0400) in a directory of this start''s own that lifeboat makes in DIR (DIR/lifeboat-UID-RANDOM, mode 0700), which must be on a memory filesystem (tmpfs, ramfs) unless --allow-disk. The app is told that directory in LIFEBOAT_FILES_DIR. Nothing else in DIR is touched'
            cand --file 'With --files-dir: a secret to deliver as a file instead of in the environment (repeatable, or comma-separated; ''*'' for all)'
            cand --allow-override 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error'
            cand --allow-other-source 'Let a snapshot made for another scope serve: another provider (a file: snapshot as the fallback for a live service, say), another Doppler project or config, Vault namespace, mount or path, AWS secret or region, or URL path or query. By default another scope is refused (exit 23); with this it serves, with a warning'
            cand --offline 'Never touch the network: start from the snapshot'
            cand --live-only 'Never open the snapshot: start from live secrets or not at all'
            cand --keep-existing-env 'When a secret and an inherited variable share a name, keep the inherited value (by default the secret wins)'
            cand --keep-credentials 'Pass the configured sources'' credentials (DOPPLER_TOKEN; VAULT_TOKEN, VAULT_ROLE_ID, VAULT_SECRET_ID; LIFEBOAT_HTTP_TOKEN; the AWS static keys) on to the app; by default those of the sources lifeboat reads are removed. Not the runtime key: that is --keep-identity'
            cand --keep-identity 'Pass the runtime key (LIFEBOAT_IDENTITY, LIFEBOAT_IDENTITY_FILE) on to the app; by default it is removed. It opens every snapshot sealed to it'
            cand --show-names 'Name the secrets that drifted from the snapshot (added, removed, changed), not only count them. Never their values'
            cand --file-env 'With --files-dir: also set NAME_FILE to each file''s path, as Docker''s official images read secrets'
            cand --allow-disk 'With --files-dir: allow a directory on a disk (the files outlive the container)'
            cand --check 'Do everything but start the app (the live fetch, opening and checking the snapshot, the environment, finding the command), print what would have happened, and exit with the code `run` would have had'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;diff'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand --snapshot 'The snapshot file'
            cand --image 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball'
            cand --path 'The snapshot''s path inside the image'
            cand --platform 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host''s'
            cand --image-ref 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name'
            cand -i 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --identity 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --source 'The live source to compare with: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (also env:PREFIX, file:PATH); repeat it to merge several. Without it, the source the snapshot recorded (its provider''s settings, such as the token and the service address, still come from the environment)'
            cand --token-file 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN'
            cand --ca-file 'Also trust the CA certificates in FILE (PEM). Repeatable'
            cand --role-id-file 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)'
            cand --secret-id-file 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)'
            cand --vault-auth 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given'
            cand --vault-role 'The Vault role to log in as (kubernetes and jwt logins)'
            cand --vault-auth-mount 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)'
            cand --jwt-file 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)'
            cand --name 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object'
            cand --timeout 'The total time for the live fetch, retries included'
            cand --allow-override 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error'
            cand --json 'Print one JSON object instead of text'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;rekey'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand -i 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand --identity 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used'
            cand -r 'A recipient of the new snapshot: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several. Only these open it: no variable adds any'
            cand --recipient 'A recipient of the new snapshot: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several. Only these open it: no variable adds any'
            cand -R 'A file of recipients, one a line (age''s recipients-file format). Repeatable'
            cand --recipients-file 'A file of recipients, one a line (age''s recipients-file format). Repeatable'
            cand --expect-sha256 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file'
            cand -o 'Where to write the new snapshot (default: over SNAPSHOT, which needs --force)'
            cand --output 'Where to write the new snapshot (default: over SNAPSHOT, which needs --force)'
            cand --expires-in 'A new expiry, DUR from now (90s, 5m, 12h, 30d); by default the old one is kept'
            cand --sign-key 'Sign the new snapshot with this OpenSSH Ed25519 private key: writes OUT.sig beside it, as `snapshot --sign-key` does'
            cand --allow-expired 'Rekey a snapshot that has expired (give --expires-in for a new expiry)'
            cand --force 'Replace OUT if it exists'
            cand --json 'Print one JSON object instead of text'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;completions'= {
            cand --log-format 'How messages on stderr are written: human text, or one JSON object per line'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lifeboat;help'= {
            cand keygen 'Make a new X25519 key; print its age1… recipient (with -y: print a key file''s recipients)'
            cand snapshot 'Read secrets from a source and seal them into a snapshot file'
            cand inspect 'Show what a snapshot says about itself, with no key'
            cand verify 'Open a snapshot with a key and check it, printing no secret value'
            cand recover 'Break-glass: open a snapshot with a key and print or write its secrets'
            cand run 'The entrypoint: live secrets first, the snapshot as fallback, then exec the app'
            cand diff 'Compare a snapshot with the live source: names added, removed, changed; no values'
            cand rekey 'Seal a snapshot''s secrets to other keys: key rotation without a rebuild'
            cand completions 'Print a shell''s completion script: `source <(lifeboat completions bash)`'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lifeboat;help;keygen'= {
        }
        &'lifeboat;help;snapshot'= {
        }
        &'lifeboat;help;inspect'= {
        }
        &'lifeboat;help;verify'= {
        }
        &'lifeboat;help;recover'= {
        }
        &'lifeboat;help;run'= {
        }
        &'lifeboat;help;diff'= {
        }
        &'lifeboat;help;rekey'= {
        }
        &'lifeboat;help;completions'= {
        }
        &'lifeboat;help;help'= {
        }
    ]
    $completions[$command]
}
