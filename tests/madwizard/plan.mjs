// `madwizard plan FILE --store STORE` through madwizard's own CLI entry point (the npm
// package ships no bin); argv: STORE FILE. Run from a directory whose node_modules holds it.
import { CLI } from "madwizard"

const [store, file] = process.argv.slice(2)
await CLI.cli(["madwizard", "plan", file, "--store", store, "--no-aprioris"], undefined, {})
process.exit(0)
