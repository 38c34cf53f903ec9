
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'lifeboat' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'lifeboat'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'lifeboat' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a new X25519 key; print its age1… recipient (with -y: print a key file''s recipients)')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Read secrets from a source and seal them into a snapshot file')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show what a snapshot says about itself, with no key')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Open a snapshot with a key and check it, printing no secret value')
            [CompletionResult]::new('recover', 'recover', [CompletionResultType]::ParameterValue, 'Break-glass: open a snapshot with a key and print or write its secrets')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'The entrypoint: live secrets first, the snapshot as fallback, then exec the app')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare a snapshot with the live source: names added, removed, changed; no values')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Seal a snapshot''s secrets to other keys: key rotation without a rebuild')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell''s completion script: `source <(lifeboat completions bash)`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lifeboat;keygen' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the identity to FILE (mode 0600; an existing file is never replaced) and print only the recipient. Without it the identity goes to stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the identity to FILE (mode 0600; an existing file is never replaced) and print only the recipient. Without it the identity goes to stdout')
            [CompletionResult]::new('--pq', '--pq', [CompletionResultType]::ParameterName, 'Make a hybrid post-quantum key (ML-KEM-768 + X25519, age 1.3''s `age1pq1…`), which a future quantum computer cannot break. Its recipient is about 2,000 characters')
            [CompletionResult]::new('--passphrase', '--passphrase', [CompletionResultType]::ParameterName, 'Protect the identity file with a passphrase, asked twice on the terminal: a break-glass key a person can hold. The file is an age file (armored) that `age -d` and rage also open; needs --output')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Print the recipient (public key) of every identity in INPUT, one a line, as `age-keygen -y` does; a passphrase-protected file is asked for on the terminal. Reads standard input without INPUT (or with -)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;snapshot' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where the secrets come from: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (a flat JSON object of strings), env:PREFIX, or file:PATH (dotenv or flat JSON). Repeat it (or separate with commas) to merge several in order')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in FILE (PEM). Repeatable')
            [CompletionResult]::new('--role-id-file', '--role-id-file', [CompletionResultType]::ParameterName, 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)')
            [CompletionResult]::new('--secret-id-file', '--secret-id-file', [CompletionResultType]::ParameterName, 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)')
            [CompletionResult]::new('--vault-auth', '--vault-auth', [CompletionResultType]::ParameterName, 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given')
            [CompletionResult]::new('--vault-role', '--vault-role', [CompletionResultType]::ParameterName, 'The Vault role to log in as (kubernetes and jwt logins)')
            [CompletionResult]::new('--vault-auth-mount', '--vault-auth-mount', [CompletionResultType]::ParameterName, 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)')
            [CompletionResult]::new('--jwt-file', '--jwt-file', [CompletionResultType]::ParameterName, 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The total time for fetching from a live source, retries included')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'A recipient to seal to: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several; comma- or newline-separated in the variable')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'A recipient to seal to: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several; comma- or newline-separated in the variable')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'A file of recipients, one a line (age''s recipients-file format). Repeatable')
            [CompletionResult]::new('--recipients-file', '--recipients-file', [CompletionResultType]::ParameterName, 'A file of recipients, one a line (age''s recipients-file format). Repeatable')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The snapshot file to write (replaced atomically if it exists)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'The snapshot file to write (replaced atomically if it exists)')
            [CompletionResult]::new('--expires-in', '--expires-in', [CompletionResultType]::ParameterName, 'Make the snapshot expire after DUR (90s, 5m, 12h, 30d): `run` and `verify` refuse it afterwards; `recover` still opens it')
            [CompletionResult]::new('--build-id', '--build-id', [CompletionResultType]::ParameterName, 'The build this snapshot is made in (a timestamp, the CI run id), shown in the summary. In a Dockerfile it is the `LIFEBOAT_BUILD_ID` build argument, which makes the snapshot step re-run on every build')
            [CompletionResult]::new('--sign-key', '--sign-key', [CompletionResultType]::ParameterName, 'Sign the snapshot with this OpenSSH Ed25519 private key (a build secret; a passphrase-protected one is asked for on the terminal): writes OUT.sig beside it, an SSH signature for the namespace lifeboat-snapshot that `ssh-keygen -Y verify` and `run --trusted-signers` check')
            [CompletionResult]::new('--allow-override', '--allow-override', [CompletionResultType]::ParameterName, 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error')
            [CompletionResult]::new('--publish-names', '--publish-names', [CompletionResultType]::ParameterName, 'Record the secret names in the metadata that `inspect` shows with no key')
            [CompletionResult]::new('--require-build-id', '--require-build-id', [CompletionResultType]::ParameterName, 'Refuse to run without a build id (Dockerfile.example sets it): BuildKit would otherwise reuse a cached snapshot with old secrets without a word')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the summary as one JSON object (path, id, secret count, source, sha256), for scripts that pin the snapshot')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;inspect' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The snapshot''s path inside the image')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host''s')
            [CompletionResult]::new('--image-ref', '--image-ref', [CompletionResultType]::ParameterName, 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;verify' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The snapshot''s path inside the image')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host''s')
            [CompletionResult]::new('--image-ref', '--image-ref', [CompletionResultType]::ParameterName, 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--expect-sha256', '--expect-sha256', [CompletionResultType]::ParameterName, 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file')
            [CompletionResult]::new('--trusted-signers', '--trusted-signers', [CompletionResultType]::ParameterName, 'Refuse, before opening it, a snapshot without a valid signature (SNAPSHOT.sig beside it) by a key in FILE, OpenSSH''s allowed_signers format, for the namespace lifeboat-snapshot (namespaces=, valid-after=, valid-before= honoured)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Refuse a snapshot older than DUR (90s, 5m, 12h, 30d)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;recover' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'The snapshot file')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The snapshot''s path inside the image')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host''s')
            [CompletionResult]::new('--image-ref', '--image-ref', [CompletionResultType]::ParameterName, 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--expect-sha256', '--expect-sha256', [CompletionResultType]::ParameterName, 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The output format')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600) instead of stdout. An existing file is never replaced unless --force is given')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE (mode 0600) instead of stdout. An existing file is never replaced unless --force is given')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Recover only these secrets (repeatable, or comma-separated)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'With --format kubernetes: the Secret''s name')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'With --format kubernetes: the Secret''s namespace (none: kubectl''s current one)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing output file (atomically)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;run' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'The snapshot to fall back on')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The live source: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (also env:PREFIX, file:PATH). Repeat it (or separate with commas) to merge several in order')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in FILE (PEM). Repeatable')
            [CompletionResult]::new('--role-id-file', '--role-id-file', [CompletionResultType]::ParameterName, 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)')
            [CompletionResult]::new('--secret-id-file', '--secret-id-file', [CompletionResultType]::ParameterName, 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)')
            [CompletionResult]::new('--vault-auth', '--vault-auth', [CompletionResultType]::ParameterName, 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given')
            [CompletionResult]::new('--vault-role', '--vault-role', [CompletionResultType]::ParameterName, 'The Vault role to log in as (kubernetes and jwt logins)')
            [CompletionResult]::new('--vault-auth-mount', '--vault-auth-mount', [CompletionResultType]::ParameterName, 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)')
            [CompletionResult]::new('--jwt-file', '--jwt-file', [CompletionResultType]::ParameterName, 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--expect-sha256', '--expect-sha256', [CompletionResultType]::ParameterName, 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file')
            [CompletionResult]::new('--trusted-signers', '--trusted-signers', [CompletionResultType]::ParameterName, 'Refuse, before opening it, a snapshot without a valid signature (SNAPSHOT.sig beside it) by a key in FILE, OpenSSH''s allowed_signers format, for the namespace lifeboat-snapshot (namespaces=, valid-after=, valid-before= honoured)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The total time for the live fetch: connecting, retries and the body')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Refuse a snapshot older than DUR')
            [CompletionResult]::new('--fallback-on', '--fallback-on', [CompletionResultType]::ParameterName, 'The failure classes that fall back to the snapshot: unreachable, server-error, bad-response, denied, not-found (comma-separated; also all or none)')
            [CompletionResult]::new('--cache-dir', '--cache-dir', [CompletionResultType]::ParameterName, 'A directory for the runtime cache and the crash-loop breaker (a memory emptyDir, which outlives container restarts): after each live fetch the secrets are sealed there to the runtime key, and on fallback the fresher of it and the baked snapshot serves. A missing, read-only or full directory only warns')
            [CompletionResult]::new('--live-cooldown', '--live-cooldown', [CompletionResultType]::ParameterName, 'With --cache-dir: after a live fetch failed (in a class that falls back), starts within DUR (stretched by up to half, at random, per start) go straight to the freshest copy without asking the service. 0s turns the breaker off')
            [CompletionResult]::new('--files-dir', '--files-dir', [CompletionResultType]::ParameterName, 'Deliver the secrets named by --file as files (mode 0400) in a directory of this start''s own that lifeboat makes in DIR (DIR/lifeboat-UID-RANDOM, mode 0700), which must be on a memory filesystem (tmpfs, ramfs) unless --allow-disk. The app is told that directory in LIFEBOAT_FILES_DIR. Nothing else in DIR is touched')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'With --files-dir: a secret to deliver as a file instead of in the environment (repeatable, or comma-separated; ''*'' for all)')
            [CompletionResult]::new('--allow-override', '--allow-override', [CompletionResultType]::ParameterName, 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error')
            [CompletionResult]::new('--allow-other-source', '--allow-other-source', [CompletionResultType]::ParameterName, 'Let a snapshot made for another scope serve: another provider (a file: snapshot as the fallback for a live service, say), another Doppler project or config, Vault namespace, mount or path, AWS secret or region, or URL path or query. By default another scope is refused (exit 23); with this it serves, with a warning')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Never touch the network: start from the snapshot')
            [CompletionResult]::new('--live-only', '--live-only', [CompletionResultType]::ParameterName, 'Never open the snapshot: start from live secrets or not at all')
            [CompletionResult]::new('--keep-existing-env', '--keep-existing-env', [CompletionResultType]::ParameterName, 'When a secret and an inherited variable share a name, keep the inherited value (by default the secret wins)')
            [CompletionResult]::new('--keep-credentials', '--keep-credentials', [CompletionResultType]::ParameterName, 'Pass the configured sources'' credentials (DOPPLER_TOKEN; VAULT_TOKEN, VAULT_ROLE_ID, VAULT_SECRET_ID; LIFEBOAT_HTTP_TOKEN; the AWS static keys) on to the app; by default those of the sources lifeboat reads are removed. Not the runtime key: that is --keep-identity')
            [CompletionResult]::new('--keep-identity', '--keep-identity', [CompletionResultType]::ParameterName, 'Pass the runtime key (LIFEBOAT_IDENTITY, LIFEBOAT_IDENTITY_FILE) on to the app; by default it is removed. It opens every snapshot sealed to it')
            [CompletionResult]::new('--show-names', '--show-names', [CompletionResultType]::ParameterName, 'Name the secrets that drifted from the snapshot (added, removed, changed), not only count them. Never their values')
            [CompletionResult]::new('--file-env', '--file-env', [CompletionResultType]::ParameterName, 'With --files-dir: also set NAME_FILE to each file''s path, as Docker''s official images read secrets')
            [CompletionResult]::new('--allow-disk', '--allow-disk', [CompletionResultType]::ParameterName, 'With --files-dir: allow a directory on a disk (the files outlive the container)')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Do everything but start the app (the live fetch, opening and checking the snapshot, the environment, finding the command), print what would have happened, and exit with the code `run` would have had')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;diff' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('--snapshot', '--snapshot', [CompletionResultType]::ParameterName, 'The snapshot file')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Read the snapshot from an image archive without running it: an OCI archive (buildah push IMG oci-archive:FILE), an OCI layout directory, or a docker save tarball')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The snapshot''s path inside the image')
            [CompletionResult]::new('--platform', '--platform', [CompletionResultType]::ParameterName, 'Of a multi-platform image, the platform to read: OS/ARCH[/VARIANT] (linux/arm64). By default the host''s')
            [CompletionResult]::new('--image-ref', '--image-ref', [CompletionResultType]::ParameterName, 'Of an archive holding several images (a docker save of many tags), the one to read: a tag (app:1.2.3) or an OCI ref name')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The live source to compare with: doppler, vault:MOUNT/PATH, aws-sm:SECRET, aws-ssm:/PATH/, https://… (also env:PREFIX, file:PATH); repeat it to merge several. Without it, the source the snapshot recorded (its provider''s settings, such as the token and the service address, still come from the environment)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the service token from FILE (a BuildKit secret mount: /run/secrets/ID). Takes precedence over DOPPLER_TOKEN, VAULT_TOKEN and LIFEBOAT_HTTP_TOKEN')
            [CompletionResult]::new('--ca-file', '--ca-file', [CompletionResultType]::ParameterName, 'Also trust the CA certificates in FILE (PEM). Repeatable')
            [CompletionResult]::new('--role-id-file', '--role-id-file', [CompletionResultType]::ParameterName, 'Vault AppRole: read the role id from FILE (else VAULT_ROLE_ID)')
            [CompletionResult]::new('--secret-id-file', '--secret-id-file', [CompletionResultType]::ParameterName, 'Vault AppRole: read the secret id from FILE (else VAULT_SECRET_ID)')
            [CompletionResult]::new('--vault-auth', '--vault-auth', [CompletionResultType]::ParameterName, 'How to log in to Vault/OpenBao: a token (VAULT_TOKEN or --token-file), AppRole, or the kubernetes or jwt method with a service-account token or another JWT. Default: token, or AppRole when its ids are given')
            [CompletionResult]::new('--vault-role', '--vault-role', [CompletionResultType]::ParameterName, 'The Vault role to log in as (kubernetes and jwt logins)')
            [CompletionResult]::new('--vault-auth-mount', '--vault-auth-mount', [CompletionResultType]::ParameterName, 'Where the login method is mounted (default: its name, `auth/kubernetes`, …)')
            [CompletionResult]::new('--jwt-file', '--jwt-file', [CompletionResultType]::ParameterName, 'The JWT for the kubernetes and jwt logins, read from FILE (for kubernetes, default /var/run/secrets/kubernetes.io/serviceaccount/token)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'The variable name for an AWS Secrets Manager secret that is a plain string, not a JSON object')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'The total time for the live fetch, retries included')
            [CompletionResult]::new('--allow-override', '--allow-override', [CompletionResultType]::ParameterName, 'With several sources: a later source may replace a name an earlier one defined (the names replaced are reported); without it, that is an error')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;rekey' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'An identity file: age (AGE-SECRET-KEY-1…, several keys allowed) or an unencrypted OpenSSH private key. Repeatable. Without it, LIFEBOAT_IDENTITY (the key text) is used')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'A recipient of the new snapshot: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several. Only these open it: no variable adds any')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'A recipient of the new snapshot: age1…, "ssh-ed25519 …" or "ssh-rsa …", optionally as LABEL=KEY. Repeat for several. Only these open it: no variable adds any')
            [CompletionResult]::new('-R', '-R ', [CompletionResultType]::ParameterName, 'A file of recipients, one a line (age''s recipients-file format). Repeatable')
            [CompletionResult]::new('--recipients-file', '--recipients-file', [CompletionResultType]::ParameterName, 'A file of recipients, one a line (age''s recipients-file format). Repeatable')
            [CompletionResult]::new('--expect-sha256', '--expect-sha256', [CompletionResultType]::ParameterName, 'Refuse, before opening it, any snapshot whose SHA-256 is not HEX (the sha256 `lifeboat snapshot` printed at build time). Pins the exact snapshot from outside the image: age cannot tell who sealed a file')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the new snapshot (default: over SNAPSHOT, which needs --force)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the new snapshot (default: over SNAPSHOT, which needs --force)')
            [CompletionResult]::new('--expires-in', '--expires-in', [CompletionResultType]::ParameterName, 'A new expiry, DUR from now (90s, 5m, 12h, 30d); by default the old one is kept')
            [CompletionResult]::new('--sign-key', '--sign-key', [CompletionResultType]::ParameterName, 'Sign the new snapshot with this OpenSSH Ed25519 private key: writes OUT.sig beside it, as `snapshot --sign-key` does')
            [CompletionResult]::new('--allow-expired', '--allow-expired', [CompletionResultType]::ParameterName, 'Rekey a snapshot that has expired (give --expires-in for a new expiry)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace OUT if it exists')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;completions' {
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'How messages on stderr are written: human text, or one JSON object per line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lifeboat;help' {
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make a new X25519 key; print its age1… recipient (with -y: print a key file''s recipients)')
            [CompletionResult]::new('snapshot', 'snapshot', [CompletionResultType]::ParameterValue, 'Read secrets from a source and seal them into a snapshot file')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Show what a snapshot says about itself, with no key')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Open a snapshot with a key and check it, printing no secret value')
            [CompletionResult]::new('recover', 'recover', [CompletionResultType]::ParameterValue, 'Break-glass: open a snapshot with a key and print or write its secrets')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'The entrypoint: live secrets first, the snapshot as fallback, then exec the app')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Compare a snapshot with the live source: names added, removed, changed; no values')
            [CompletionResult]::new('rekey', 'rekey', [CompletionResultType]::ParameterValue, 'Seal a snapshot''s secrets to other keys: key rotation without a rebuild')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell''s completion script: `source <(lifeboat completions bash)`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lifeboat;help;keygen' {
            break
        }
        'lifeboat;help;snapshot' {
            break
        }
        'lifeboat;help;inspect' {
            break
        }
        'lifeboat;help;verify' {
            break
        }
        'lifeboat;help;recover' {
            break
        }
        'lifeboat;help;run' {
            break
        }
        'lifeboat;help;diff' {
            break
        }
        'lifeboat;help;rekey' {
            break
        }
        'lifeboat;help;completions' {
            break
        }
        'lifeboat;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
