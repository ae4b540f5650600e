// Runs `madwizard plan --store STORE FILE` through madwizard's own CLI entry (the package
// ships no bin). Exit status 0 planned, 1 madwizard refused the guidebook.
import { CLI } from "madwizard"
const [store, file] = process.argv.slice(2)
let out = ""
try {
  await CLI.cli(["madwizard", "plan", "--store", store, file], (s) => { out += s; return true })
  process.exit(0)
} catch (e) {
  process.stderr.write(String(e) + "\n")
  process.exit(1)
}
