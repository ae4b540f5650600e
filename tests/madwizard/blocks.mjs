// Print, as JSON, the code blocks madwizard's parser finds in each guidebook named on the
// command line: {file: [{body, language, validate, exec, optional, choice}]}, where `choice`
// says whether the block sits under a choice (a tab). Run with NODE_PATH pointing at a
// node_modules holding madwizard; argv: STORE FILE...
import { Parser, Choices, reader } from "madwizard"

const [store, ...files] = process.argv.slice(2)
const read = await reader()
const out = {}
for (const file of files) {
  try {
    const { blocks } = await Parser.parse(file, read, Choices.newChoiceState("ignore"), undefined, { store })
    out[file] = blocks.map((b) => ({
      body: b.body,
      language: b.language,
      validate: b.validate,
      exec: b.exec,
      optional: b.optional,
      choice: (b.nesting || []).some((n) => n.kind === "Choice"),
    }))
  } catch (err) {
    out[file] = { error: String(err) }
  }
}
process.stdout.write(JSON.stringify(out))
