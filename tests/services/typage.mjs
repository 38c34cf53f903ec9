// The second implementation for lifeboat's post-quantum keys: typage (npm
// age-encryption), driven from tests/pq.rs. Installed by scripts/test.sh into
// .tools/typage; LIFEBOAT_TYPAGE names that folder.
//
//   node typage.mjs keygen-pq             -> identity line, then recipient line
//   node typage.mjs encrypt RECIPIENT...  -> stdin sealed to the recipients, on stdout
//   node typage.mjs decrypt IDENTITY_FILE -> stdin (an age file) opened, on stdout
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const root = process.env.LIFEBOAT_TYPAGE;
if (!root) throw new Error("LIFEBOAT_TYPAGE must name the folder typage is installed in");
const require = createRequire(path.join(root, "package.json"));
const age = await import(require.resolve("age-encryption"));

const [command, ...args] = process.argv.slice(2);
const stdin = () => new Uint8Array(readFileSync(0));

if (command === "keygen-pq") {
  const identity = await age.generateHybridIdentity();
  process.stdout.write(`${identity}\n${await age.identityToRecipient(identity)}\n`);
} else if (command === "encrypt") {
  const e = new age.Encrypter();
  for (const r of args) e.addRecipient(r);
  process.stdout.write(await e.encrypt(stdin()));
} else if (command === "decrypt") {
  const d = new age.Decrypter();
  for (const line of readFileSync(args[0], "utf8").split("\n")) {
    if (line.startsWith("AGE-SECRET-KEY-")) d.addIdentity(line.trim());
  }
  process.stdout.write(await d.decrypt(stdin()));
} else {
  throw new Error(`unknown command ${command}`);
}
