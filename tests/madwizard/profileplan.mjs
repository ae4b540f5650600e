// For each guidebook and seed: answer every question madwizard reaches (a seeded pick per
// question), save the answers as a madwizard profile file, then plan the guidebook from that
// file as `madwizard run --profile NAME` does (Profiles.restore, parse, compile, wizardify) and
// print the blocks it would run, in order. Nothing in a guidebook runs:
//  - `validate:` is never run (optimize.validate off: mdrun's plan runs none either);
//  - a dynamic question's command is never run: the memo madwizard keeps of each `expand(…)`
//    answers it with two made-up lines, as if it had been run before.
// argv: STORE PROFILES_DIR SEEDS FILE...   (SEEDS: comma-separated integers)
// Run from a directory whose node_modules holds madwizard 9.0.7.
import { createHash } from "node:crypto"
import { writeFileSync } from "node:fs"
import { join, relative } from "node:path"
import { Parser, Choices, Graph, Memoizer, Profiles, Wizard, reader } from "madwizard"

const [store, profilesDir, seedList, ...files] = process.argv.slice(2)
const seeds = seedList.split(",").map(Number)
const read = await reader()
const options = { store, profilesPath: profilesDir, optimize: { validate: false } }
const APRIORIS = ["use-gpu", "arch", "platform", "mac-installer", "in-terminal"].map((_) => `madwizard/apriori/${_}`)
const UNSET = "mdrun-differential-unset" // matches no tab: keeps an apriori from the machine

const number = (...parts) => parseInt(createHash("sha1").update(parts.join("\0")).digest("hex").slice(0, 8), 16)

/** What each `expand(COMMAND…)` "printed": two lines, fixed per command. */
function memos(suggestions) {
  const m = new Memoizer(suggestions)
  m.expansionMemo = new Proxy({}, {
    get: (_, expr) => typeof expr === "string" ? Promise.resolve(["a", "b"].map((x) => `dyn-${number(expr).toString(36)}-${x}`)) : undefined,
    set: () => true,
    deleteProperty: () => true,
  })
  return m
}

/** madwizard's parse of `file` (its blocks depend on the choice state only through the aprioris
 * it records there, so one parse serves every generating round). */
async function parse(file, state) {
  return (await Parser.parse(file, read, state, undefined, options)).blocks
}

/** A choice state holding `answers` as madwizard keeps them (forms and multi-selects as JSON). */
function stateOf(answers) {
  const kept = Object.fromEntries(Object.entries(answers).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]))
  return Choices.newChoiceState("gen", kept)
}

/** A seeded answer to one question: a tab's title, a form's values, a multi-select's subset. */
function pick(choice, seed, file) {
  const parts = choice.choices
  const n = number(seed, relative(store, file), choice.groupContext)
  if (parts.length > 0 && typeof parts[0].form === "object") {
    return Object.fromEntries(parts.map((p, i) => [p.title, (n + i) % 3 === 0 ? String(p.form.defaultValue ?? "") : `v${(n + i) % 97}`]))
  }
  if (parts.every((p) => p.multiselect)) {
    const some = parts.filter((_, i) => (n >> i) & 1)
    return (some.length ? some : [parts[n % parts.length]]).map((p) => p.title)
  }
  return parts[n % parts.length].title
}

/** Answer the reached questions one frontier at a time, as a person at madwizard's prompts would. */
async function answer(file, seed, blocks, machine) {
  const answers = {}
  // Odd seeds answer the aprioris too (in the profile); even seeds leave them to this machine.
  const base = seed % 2 ? Object.fromEntries(APRIORIS.map((k) => [k, UNSET])) : machine
  for (let round = 0; round < 40; round++) {
    const state = stateOf(Object.assign({}, base, answers))
    const graph = await Graph.compile(blocks, state, memos(state), Object.assign({}, options, { expand: true }))
    const frontier = Graph.findChoicesOnFrontier(graph, state)
    if (frontier.length === 0) break
    const picked = {}
    for (const choice of frontier) {
      const key = choice.groupContext
      if (key in answers || (key in base && base[key] !== UNSET)) {
        // answered, yet still open: the answer is no tab of this group, or two tabs are it
        return { answers, conflict: {
          key,
          answer: answers[key] ?? base[key],
          tabs: choice.choices.map((_) => _.title),
          // collapseMadeChoices keeps a choice among the tabs the answer names when it names several
          several: choice.choices.every((_) => _.member === undefined),
        } }
      }
      if (!(key in picked)) picked[key] = pick(choice, seed, file) // one answer per key
    }
    Object.assign(answers, picked)
  }
  return { answers }
}

/** The blocks `madwizard run --profile NAME` runs, in order. */
async function plan(file, name) {
  const state = await Profiles.restore(options, name, false)
  const m = memos(state)
  const { blocks } = await Parser.parse(file, read, state, undefined, options)
  const graph = await Graph.compile(blocks, state, m, Object.assign({}, options, { expand: true }))
  const left = Graph.findChoicesOnFrontier(graph, state).map((_) => _.groupContext)
  const steps = Wizard.wizardify(graph, m, { choices: state }).filter(Wizard.isNormalTaskStep)
  const run = steps.filter((_) => _.status !== "success").flatMap((_) => Graph.blocks(_.graph))
  return { unresolved: left, blocks: run.map((b) => ({ body: b.body, validate: b.validate, exec: b.exec })) }
}

const out = []
for (const file of files) {
  let blocks, machine
  try {
    const state = Choices.newChoiceState("machine")
    blocks = await parse(file, state)
    machine = Object.fromEntries(state.entries())
  } catch (err) {
    out.push({ file: relative(store, file), error: String(err) })
    continue
  }
  for (const seed of seeds) {
    const name = `${relative(store, file).replace(/[^\w.-]+/g, "_")}-s${seed}`
    try {
      const { answers, conflict } = await answer(file, seed, blocks, machine)
      const now = Date.now()
      const profile = { name, creationTime: now, lastModifiedTime: now, lastUsedTime: 0, choices: answers }
      writeFileSync(join(profilesDir, name), JSON.stringify(profile, undefined, 2))
      const planned = conflict ? { unresolved: [conflict.key], blocks: [] } : await plan(file, name)
      out.push({ file: relative(store, file), seed, profile: name, machine, answers, conflict, ...planned })
    } catch (err) {
      out.push({ file: relative(store, file), seed, profile: name, error: String(err) })
    }
  }
}
process.stdout.write(JSON.stringify(out))
