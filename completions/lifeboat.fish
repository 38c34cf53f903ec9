# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_lifeboat_global_optspecs
    string join \n log-format= h/help V/version
end

function __fish_lifeboat_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_lifeboat_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_lifeboat_using_subcommand
    set -l cmd (__fish_lifeboat_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c lifeboat -n "__fish_lifeboat_needs_command" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "keygen" -d 'Make a new X25519 key; print its age1… recipient (with -y: print a key file\'s recipients)'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "snapshot" -d 'Read secrets from a source and seal them into a snapshot file'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "inspect" -d 'Show what a snapshot says about itself, with no key'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "verify" -d 'Open a snapshot with a key and check it, printing no secret value'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "recover" -d 'Break-glass: open a snapshot with a key and print or write its secrets'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "run" -d 'The entrypoint: live secrets first, the snapshot as fallback, then exec the app'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "diff" -d 'Compare a snapshot with the live source: names added, removed, changed; no values'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "rekey" -d 'Seal a snapshot\'s secrets to other keys: key rotation without a rebuild'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "completions" -d 'Print a shell\'s completion script: `source <(lifeboat completions bash)`'
complete -c lifeboat -n "__fish_lifeboat_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand keygen" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand keygen" -s o -l output -d 'Write the identity to FILE (mode 0600; an existing file is never replaced) and print only the recipient. Without it the identity goes to stdout' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand keygen" -l pq -d 'Make a hybrid post-quantum key (ML-KEM-768 + X25519, age 1.3\'s `age1pq1…`), which a future quantum computer cannot break. Its recipient is about 2,000 characters'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand keygen" -l passphrase -d 'Protect the identity file with a passphrase, asked twice on the terminal: a break-glass key a person can hold. The file is an age file (armored) that `age -d` and rage also open; needs --output'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand keygen" -s y -d 'Print the recipient (public key) of every identity in INPUT, one a line, as `age-keygen -y` does; a passphrase-protected file is asked for on the terminal. Reads standard input without INPUT (or with -)'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand keygen" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l source -d 'Where the secrets come from: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (a flat JSON object of strings), env:PREFIX, or file:PATH (dotenv or flat JSON). Repeat it (or separate with commas) to merge several in order' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l token-file -d 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l ca-file -d 'Also trust the CA certificates in FILE (PEM). Repeatable' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l role-id-file -d 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l secret-id-file -d 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l vault-auth -d 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given' -r -f -a "token\t'A token: VAULT_TOKEN or --token-file'
approle\t'AppRole: VAULT_ROLE_ID and VAULT_SECRET_ID, or their files'
kubernetes\t'The kubernetes method: the pod\'s service-account token and --vault-role'
jwt\t'The jwt method: a JWT from --jwt-file, and --vault-role (or the method\'s default role)'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l vault-role -d 'The Vault role to log in as (kubernetes and jwt logins)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l vault-auth-mount -d 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l jwt-file -d 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l name -d 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l timeout -d 'The total time for fetching from a live source, retries included' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -s r -l recipient -d 'A recipient to seal to: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several; comma- or newline-separated in the variable' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -s R -l recipients-file -d 'A file of recipients, one a line (age\'s recipients-file format). Repeatable' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -s o -l output -d 'The snapshot file to write (replaced atomically if it exists)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l expires-in -d 'Make the snapshot expire after DUR (90s, 5m, 12h, 30d): `run` and `verify` refuse it afterwards; `recover` still opens it' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l build-id -d 'The build this snapshot is made in (a timestamp, the CI run id), shown in the summary. In a Dockerfile it is the `LIFEBOAT_BUILD_ID` build argument, which makes the snapshot step re-run on every build' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l sign-key -d 'Sign the snapshot with this OpenSSH Ed25519 private key (a build secret; a passphrase-protected one is asked for on the terminal): writes OUT.sig beside it, an SSH signature for the namespace lifeboat-snapshot that `ssh-keygen -Y verify` and `run --trusted-signers` check' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l allow-override -d 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l publish-names -d 'Record the secret names in the metadata that `inspect` shows with no key'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l require-build-id -d 'Refuse to run without a build id (Dockerfile.example sets it): BuildKit would otherwise reuse a cached snapshot with old secrets without a word'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -l json -d 'Print the summary as one JSON object (path, id, secret count, source, sha256), for scripts that pin the snapshot'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand snapshot" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand inspect" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand inspect" -l image -d 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand inspect" -l path -d 'The snapshot\'s path inside the image' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand inspect" -l platform -d 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host\'s' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand inspect" -l image-ref -d 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand inspect" -l json -d 'Print one JSON object instead of text'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand inspect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l image -d 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l path -d 'The snapshot\'s path inside the image' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l platform -d 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host\'s' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l image-ref -d 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -s i -l identity -d 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l expect-sha256 -d 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l trusted-signers -d 'Refuse, before opening it, a snapshot without a valid signature (SNAPSHOT.sig beside it) by a key in FILE, OpenSSH\'s allowed_signers format, for the namespace lifeboat-snapshot (namespaces=, valid-after=, valid-before= honoured)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l max-age -d 'Refuse a snapshot older than DUR (90s, 5m, 12h, 30d)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -l json -d 'Print one JSON object instead of text'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand verify" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l snapshot -d 'The snapshot file' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l image -d 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l path -d 'The snapshot\'s path inside the image' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l platform -d 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host\'s' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l image-ref -d 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -s i -l identity -d 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l expect-sha256 -d 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l format -d 'The output format' -r -f -a "env\t'NAME=value lines, values as they are (refused for values with a newline)'
dotenv\t'NAME="value" lines with escapes; reads back with `lifeboat snapshot --source file:`'
json\t'One JSON object of strings'
shell\t'export NAME=\'value\' lines for a POSIX shell'
env-file\t'Docker\'s --env-file syntax (no quoting: values with a line break are refused)'
kubernetes\t'A Kubernetes v1 Secret manifest (--name, --namespace), for `kubectl apply -f -`'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -s o -l output -d 'Write to FILE (mode 0600) instead of stdout. An existing file is never replaced unless --force is given' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l only -d 'Recover only these secrets (repeatable, or comma-separated)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l name -d 'With --format kubernetes: the Secret\'s name' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l namespace -d 'With --format kubernetes: the Secret\'s namespace (none: kubectl\'s current one)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -l force -d 'Replace an existing output file (atomically)'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand recover" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l snapshot -d 'The snapshot to fall back on' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l source -d 'The live source: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (also env:PREFIX, file:PATH). Repeat it (or separate with commas) to merge several in order' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l token-file -d 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l ca-file -d 'Also trust the CA certificates in FILE (PEM). Repeatable' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l role-id-file -d 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l secret-id-file -d 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l vault-auth -d 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given' -r -f -a "token\t'A token: VAULT_TOKEN or --token-file'
approle\t'AppRole: VAULT_ROLE_ID and VAULT_SECRET_ID, or their files'
kubernetes\t'The kubernetes method: the pod\'s service-account token and --vault-role'
jwt\t'The jwt method: a JWT from --jwt-file, and --vault-role (or the method\'s default role)'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l vault-role -d 'The Vault role to log in as (kubernetes and jwt logins)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l vault-auth-mount -d 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l jwt-file -d 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l name -d 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -s i -l identity -d 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l expect-sha256 -d 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l trusted-signers -d 'Refuse, before opening it, a snapshot without a valid signature (SNAPSHOT.sig beside it) by a key in FILE, OpenSSH\'s allowed_signers format, for the namespace lifeboat-snapshot (namespaces=, valid-after=, valid-before= honoured)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l timeout -d 'The total time for the live fetch: connecting, retries and the body' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l max-age -d 'Refuse a snapshot older than DUR' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l fallback-on -d 'The failure classes that fall back to the snapshot: unreachable, server-error, bad-response, denied, not-found (comma-separated; also all or none)' -r -f -a "unreachable\t''
server-error\t''
bad-response\t''
denied\t''
not-found\t''
all\t''
none\t''"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l cache-dir -d 'A directory for the runtime cache and the crash-loop breaker (a memory emptyDir, which outlives container restarts): after each live fetch the secrets are sealed there to the runtime key, and on fallback the fresher of it and the baked snapshot serves. A missing, read-only or full directory only warns' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l live-cooldown -d 'With --cache-dir: after a live fetch failed (in a class that falls back), starts within DUR (stretched by up to half, at random, per start) go straight to the freshest copy without asking the service. 0s turns the breaker off' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l files-dir -d 'Deliver the secrets named by --file as files (mode 0400) in a directory of this start\'s own that lifeboat makes in DIR (DIR/lifeboat-UID-RANDOM, mode 0700), which must be on a memory filesystem (tmpfs, ramfs) unless --allow-disk. The app is told that directory in LIFEBOAT_FILES_DIR. Nothing else in DIR is touched' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l file -d 'With --files-dir: a secret to deliver as a file instead of in the environment (repeatable, or comma-separated; \'*\' for all)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l allow-override -d 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l allow-other-source -d 'Let a snapshot made for another scope serve: another provider (a file: snapshot as the fallback for a live service, say), another Doppler project or config, Vault namespace, mount or path, AWS secret or region, or URL path or query. By default another scope is refused (exit 23); with this it serves, with a warning'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l offline -d 'Never touch the network: start from the snapshot'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l live-only -d 'Never open the snapshot: start from live secrets or not at all'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l keep-existing-env -d 'When a secret and an inherited variable share a name, keep the inherited value (by default the secret wins)'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l keep-credentials -d 'Pass the configured sources\' credentials (DOPPLER_TOKEN; VAULT_TOKEN, VAULT_ROLE_ID, VAULT_SECRET_ID; LIFEBOAT_HTTP_TOKEN; the AWS static keys) on to the app; by default those of the sources lifeboat reads are removed. Not the runtime key: that is --keep-identity'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l keep-identity -d 'Pass the runtime key (LIFEBOAT_IDENTITY, LIFEBOAT_IDENTITY_FILE) on to the app; by default it is removed. It opens every snapshot sealed to it'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l show-names -d 'Name the secrets that drifted from the snapshot (added, removed, changed), not only count them. Never their values'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l file-env -d 'With --files-dir: also set NAME_FILE to each file\'s path, as Docker\'s official images read secrets'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l allow-disk -d 'With --files-dir: allow a directory on a disk (the files outlive the container)'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -l check -d 'Do everything but start the app (the live fetch, opening and checking the snapshot, the environment, finding the command), print what would have happened, and exit with the code `run` would have had'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand run" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l snapshot -d 'The snapshot file' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l image -d 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l path -d 'The snapshot\'s path inside the image' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l platform -d 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host\'s' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l image-ref -d 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -s i -l identity -d 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l source -d 'The live source to compare with: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (also env:PREFIX, file:PATH); repeat it to merge several. Without it, the source the snapshot recorded (its provider\'s settings, such as the token and the service address, still come from the environment)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l token-file -d 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l ca-file -d 'Also trust the CA certificates in FILE (PEM). Repeatable' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l role-id-file -d 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l secret-id-file -d 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l vault-auth -d 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given' -r -f -a "token\t'A token: VAULT_TOKEN or --token-file'
approle\t'AppRole: VAULT_ROLE_ID and VAULT_SECRET_ID, or their files'
kubernetes\t'The kubernetes method: the pod\'s service-account token and --vault-role'
jwt\t'The jwt method: a JWT from --jwt-file, and --vault-role (or the method\'s default role)'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l vault-role -d 'The Vault role to log in as (kubernetes and jwt logins)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l vault-auth-mount -d 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l jwt-file -d 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l name -d 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l timeout -d 'The total time for the live fetch, retries included' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l allow-override -d 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -l json -d 'Print one JSON object instead of text'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand diff" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -s i -l identity -d 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -s r -l recipient -d 'A recipient of the new snapshot: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several. Only these open it: no variable adds any' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -s R -l recipients-file -d 'A file of recipients, one a line (age\'s recipients-file format). Repeatable' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -l expect-sha256 -d 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -s o -l output -d 'Where to write the new snapshot (default: over SNAPSHOT, which needs --force)' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -l expires-in -d 'A new expiry, DUR from now (90s, 5m, 12h, 30d); by default the old one is kept' -r
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -l sign-key -d 'Sign the new snapshot with this OpenSSH Ed25519 private key: writes OUT.sig beside it, as `snapshot --sign-key` does' -r -F
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -l allow-expired -d 'Rekey a snapshot that has expired (give --expires-in for a new expiry)'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -l force -d 'Replace OUT if it exists'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -l json -d 'Print one JSON object instead of text'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand rekey" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand completions" -l log-format -d 'How messages on stderr are written: human text, or one JSON object per line' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line'"
complete -c lifeboat -n "__fish_lifeboat_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand completions" -s V -l version -d 'Print version'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "keygen" -d 'Make a new X25519 key; print its age1… recipient (with -y: print a key file\'s recipients)'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "snapshot" -d 'Read secrets from a source and seal them into a snapshot file'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "inspect" -d 'Show what a snapshot says about itself, with no key'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "verify" -d 'Open a snapshot with a key and check it, printing no secret value'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "recover" -d 'Break-glass: open a snapshot with a key and print or write its secrets'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "run" -d 'The entrypoint: live secrets first, the snapshot as fallback, then exec the app'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "diff" -d 'Compare a snapshot with the live source: names added, removed, changed; no values'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "rekey" -d 'Seal a snapshot\'s secrets to other keys: key rotation without a rebuild'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "completions" -d 'Print a shell\'s completion script: `source <(lifeboat completions bash)`'
complete -c lifeboat -n "__fish_lifeboat_using_subcommand help; and not __fish_seen_subcommand_from keygen snapshot inspect verify recover run diff rekey completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
