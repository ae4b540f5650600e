"""Questions settled while `mdrun run` goes: each just before the first block it governs.

madwizard (fe/guide) runs the steps before the first unanswered question, then asks it, then
compiles again with the answer: so an `expand(COMMAND)` runs in the shell state the earlier
blocks built (`RAY_ADDRESS` exported by one), and an `ENVKEY` an earlier block exported answers
its question. mdrun does the same per block: when the supervisor reaches a block under a
question without an answer (or under a dynamic one answered from a profile, whose command must
confirm it is still offered), `settle` asks what governs that block, in the order of its path
(an answer may reach a nested question), and returns the plan again with the answers so far.

Before anything starts, `settle_first` asks what governs the blocks up to the first that runs
(so that Ctrl-C there leaves nothing started), or up to the first that a guidebook's `validate:`
may skip: the run tests that when it gets there, and asks nothing for a guidebook already done.
Off a terminal every reached question must be answered before the run, as
`pending.require_answers` says, except a dynamic question whose `ENVKEY` an earlier block sets
and one that governs only blocks of guidebooks with a `validate:` (`later`); should it still be
unanswered when reached, the run stops there with the same message (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from mdrun.choices import profiles
from mdrun.choices.branches import branch
from mdrun.choices.dynamic import Runner, answers_of, from_environment, strip_ansi
from mdrun.choices.pending import UnansweredError, chose, require_answers, unanswered_message
from mdrun.choices.prompt import Prompter
from mdrun.choices.session import ask_one
from mdrun.model import Answer, Block, ChoiceGroup, ChoicePath, Plan, Question

Replan = Callable[[Mapping[str, Answer]], Plan]
"""The plan of the run's blocks under these answers (chosen and still open ones)."""


class RunSettling:
    """The answers of one run, completed as the run reaches the blocks they govern."""

    def __init__(
        self,
        asked: Sequence[Question],
        answers: Mapping[str, Answer],
        replan: Replan,
        runner: Runner,
        prompter: Prompter | None = None,
        profile: str | None = None,
        config_env: Mapping[str, str] | None = None,
    ) -> None:
        self.asked = tuple(asked)
        self.groups = {q.group.id: q.group for q in asked}
        self.answers = dict(answers)
        """Every answer so far, by question id (what run.json records)."""
        self.replan, self.runner, self.prompter = replan, runner, prompter
        self.profile, self.config_env = profile, dict(config_env or {})
        self._unconfirmed = {
            qid
            for qid, a in self.answers.items()
            if a.source == "profile" and self.groups[qid].kind == "dynamic"
        }
        """Dynamic questions answered from the profile: their command must still offer it."""

    def needs(self, block: Block) -> bool:
        """Whether something must be settled before `block` starts."""
        return self._next(block.choices) is not None

    def _next(self, path: ChoicePath) -> str | None:
        """The outermost question on `path` still to settle, if the path is still chosen."""
        for qid, option in path:
            answer = self.answers.get(qid)
            if answer is None or qid in self._unconfirmed:
                return qid
            if not chose(self.groups[qid], answer, option):
                return None
        return None

    def settle(self, block: Block, env: Mapping[str, str]) -> Plan:
        """Settle what governs `block` in the shell state `env`; the plan with the answers.

        Raises `KeyboardInterrupt` (Ctrl-C at a prompt), `UnansweredError` off a terminal, or
        `ExpansionError` when a dynamic question's command fails."""
        self.settle_path(block.choices, env)
        return self.replan(self.answers)

    def settle_path(self, path: ChoicePath, env: Mapping[str, str]) -> None:
        """Settle the questions on a block's choice `path`, outermost first, in `env`."""
        try:
            while (qid := self._next(path)) is not None:
                self._settle_one(self.groups[qid], env)
        finally:
            self.save()

    def _settle_one(self, group: ChoiceGroup, env: Mapping[str, str]) -> None:
        qid = group.id
        self._unconfirmed.discard(qid)
        old = self.answers.get(qid)
        if group.kind == "dynamic" and (old is None or old.source == "profile"):
            value = from_environment(group, env)
            if value is not None:
                self.answers[qid] = Answer(qid, value, "environment", f"${group.env_key}")
                return
            if old is not None:
                offered = {strip_ansi(o) for o in answers_of(group, env, self.runner)}
                if strip_ansi(old.value) in offered:
                    return
                del self.answers[qid]  # last week's Ray job: ask again
        if self.prompter is None:
            question = next(q for q in self.asked if q.group.id == qid)
            raise UnansweredError(unanswered_message([question]))
        self.answers[qid] = ask_one(group, self.prompter, env, self.runner)

    def settle_first(self, blocks: Iterable[Block], env: Mapping[str, str]) -> None:
        """Before the run starts: what governs the blocks up to the first one that runs, or
        up to the first that a guidebook's `validate:` may skip (the run tests it there)."""
        for block in blocks:
            if block.guidebook_checks:
                return
            if self.needs(block):
                self.settle_path(block.choices, env)
            chosen = branch(block.choices, self.groups, self.answers).kind == "chosen"
            if chosen and not block.options.cleanup:
                return

    def require(self, plan: Plan) -> None:
        """Off a terminal: exit 2 now unless every reached question is answered, or can only be
        answered by a variable an earlier block exports (`later`)."""
        require_answers(self.asked, self.answers, later(plan, self.answers))

    def save(self) -> None:
        """Keep the answers so far in the profile, when the run has one."""
        if self.profile:
            profiles.save(self.profile, self.answers.values(), self.config_env)


def later(plan: Plan, answers: Mapping[str, Answer]) -> set[str]:
    """The unanswered questions whose settling waits for the run to reach them: dynamic ones
    whose `ENVKEY` is set, as planned, by a block before the first block they govern (the demo's
    `JOB_ID`, exported by the block that submits the job), and those governing only blocks of
    guidebooks whose `validate:` may find them already done (then nothing asks them)."""
    groups = {q.group.id: q.group for q in plan.runbook.questions}
    found: set[str] = set()
    seen: set[str] = set()
    checked: dict[str, bool] = {}
    for planned in plan.blocks:
        for qid, _option in planned.block.choices:
            checked[qid] = checked.get(qid, True) and bool(planned.block.guidebook_checks)
            group = groups.get(qid)
            if qid in seen or group is None or qid in answers:
                continue
            seen.add(qid)  # decided at the first block it governs
            if group.kind == "dynamic" and group.env_key and group.env_key in planned.env:
                found.add(qid)
    return found | {qid for qid, only in checked.items() if only and qid not in answers}
