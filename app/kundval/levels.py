"""The assessment behind a level: questions whose answers give points, and points that suggest A, B or C.

The questions, their points and the thresholds are settings (docs/levels.md): the default below, or
a JSON file named by LEVEL_ASSESSMENT_FILE. The case worker decides the level; a departure from the
suggestion needs a reason. Nothing here imports Flask.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from app.common.audit import record_change
from app.common.errors import ValidationError
from app.common.labels import LABELS
from app.kundval.models import LEVELS, LevelAssessment, Referral

DEFAULT_ASSESSMENT = {
    "questions": [
        {"key": "forsorjningsstod", "text": _l("Hur länge har deltagaren haft försörjningsstöd i följd?"),
         "options": [{"key": "under_1", "text": _l("Mindre än ett år"), "points": 0},
                     {"key": "1_3", "text": _l("Ett till tre år"), "points": 1},
                     {"key": "over_3", "text": _l("Mer än tre år"), "points": 2}]},
        {"key": "utbildning", "text": _l("Vilken utbildning har deltagaren avslutat?"),
         "options": [{"key": "gymnasium", "text": _l("Gymnasium eller mer"), "points": 0},
                     {"key": "grundskola", "text": _l("Grundskola (nio år)"), "points": 1},
                     {"key": "mindre", "text": _l("Kortare än grundskola"), "points": 2}]},
        {"key": "svenska", "text": _l("Hur väl klarar deltagaren svenska i ett arbete?"),
         "options": [{"key": "bra", "text": _l("Bra: klarar samtal och enkla texter"), "points": 0},
                     {"key": "viss", "text": _l("Viss: klarar enkla samtal"), "points": 1},
                     {"key": "lite", "text": _l("Lite eller ingen"), "points": 2}]},
        {"key": "arbete", "text": _l("Har deltagaren arbetat de senaste fem åren?"),
         "options": [{"key": "ja", "text": _l("Ja, minst sex månader sammanlagt"), "points": 0},
                     {"key": "kort", "text": _l("Ja, men kortare än sex månader"), "points": 1},
                     {"key": "nej", "text": _l("Nej"), "points": 2}]},
        {"key": "halsa", "text": _l("Begränsar hälsan vilket arbete deltagaren kan ha?"),
         "options": [{"key": "nej", "text": _l("Nej"), "points": 0},
                     {"key": "delvis", "text": _l("Delvis: vissa arbeten eller kortare tid"), "points": 1},
                     {"key": "mycket", "text": _l("Mycket: kräver stora anpassningar"), "points": 2}]},
    ],
    # The fewest points for each level; below B's threshold the suggestion is A.
    "thresholds": {"B": 3, "C": 6},
}

# What a level means, in the client's words (their own page) and in the case worker's.
CLIENT_TEXT = {
    "A": _l("Nivå A: du står nära ett arbete. Insatsen ska hjälpa dig det sista steget till ett jobb "
            "eller till studier."),
    "B": _l("Nivå B: du har en bit kvar till ett arbete. Du får stöd en tid för att komma närmare ett jobb "
            "eller studier."),
    "C": _l("Nivå C: du har en längre väg till arbete. Du får mer tid och mer stöd, i din egen takt, och "
            "anordnaren får mer betalt för att ge dig det."),
}
LEVEL_NAMES = {level: LABELS["level"][level] for level in LEVELS}


@dataclass(frozen=True)
class Option:
    key: str
    text: str
    points: int


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[Option, ...]

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)


@dataclass(frozen=True)
class AssessmentSettings:
    questions: tuple[Question, ...]
    thresholds: dict  # level -> the fewest points that suggest it

    def suggest(self, points: int) -> str:
        """The highest level whose threshold the points reach; A below all thresholds."""
        level = "A"
        for candidate in ("B", "C"):
            if points >= self.thresholds[candidate]:
                level = candidate
        return level


def parse_settings(raw: dict) -> AssessmentSettings:
    """Settings from the JSON shape of docs/levels.md; raises ValueError saying what is wrong."""
    try:
        questions = tuple(
            Question(str(q["key"]), q["text"], tuple(Option(str(o["key"]), o["text"], int(o["points"]))
                                                      for o in q["options"]))
            for q in raw["questions"])
        thresholds = {"B": int(raw["thresholds"]["B"]), "C": int(raw["thresholds"]["C"])}
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"level assessment settings: missing or bad value {exc}") from None
    if not questions or any(not q.options for q in questions):
        raise ValueError("level assessment settings: every question needs options")
    if len({q.key for q in questions}) != len(questions):
        raise ValueError("level assessment settings: question keys must differ")
    if not 0 < thresholds["B"] <= thresholds["C"]:
        raise ValueError("level assessment settings: thresholds need 0 < B <= C")
    return AssessmentSettings(questions, thresholds)


def load_settings(config: dict) -> AssessmentSettings:
    """LEVEL_ASSESSMENT (a dict) or the JSON file LEVEL_ASSESSMENT_FILE, else the default."""
    raw = config.get("LEVEL_ASSESSMENT")
    if raw is None and config.get("LEVEL_ASSESSMENT_FILE"):
        raw = json.loads(Path(config["LEVEL_ASSESSMENT_FILE"]).read_text(encoding="utf-8"))
    return parse_settings(raw or DEFAULT_ASSESSMENT)


@dataclass(frozen=True)
class Score:
    answers: dict
    points: int
    suggested: str


def score(settings: AssessmentSettings, answers: dict) -> Score:
    """Points for a full set of answers and the level they suggest; names the unanswered question."""
    points = 0
    chosen = {}
    for question in settings.questions:
        option = question.option(answers.get(question.key) or "")
        if option is None:
            raise ValidationError(f"q_{question.key}", _l("svara på frågan"))
        chosen[question.key] = option.key
        points += option.points
    return Score(chosen, points, settings.suggest(points))


def partial_score(settings: AssessmentSettings, answers: dict) -> int | None:
    """Points so far, or None when nothing is answered (the page shows it before all are answered)."""
    found = [q.option(answers.get(q.key) or "") for q in settings.questions]
    return sum(o.points for o in found if o) if any(found) else None


def assess(session: Session, referral: Referral, settings: AssessmentSettings, *, answers: dict,
           level: str | None, reason: str, actor_id: int | None) -> LevelAssessment | None:
    """Store the answers and set the referral's level; None when the case worker assessed nothing.

    An empty level takes the suggestion; another level needs a reason.
    """
    answered = {k: v for k, v in answers.items() if v}
    reason = (reason or "").strip()
    if not answered:
        if level:
            raise ValidationError(f"q_{settings.questions[0].key}", _l("svara på frågorna innan du väljer nivå"))
        return None
    result = score(settings, answered)
    if level and level not in LEVELS:
        raise ValidationError("level", _l("välj nivå A, B eller C"))
    chosen = level or result.suggested
    if chosen != result.suggested and not reason:
        raise ValidationError("level_reason", _l("skriv varför du väljer en annan nivå än förslaget"))
    row = LevelAssessment(referral_id=referral.id, answers=result.answers, points=result.points,
                          suggested_level=result.suggested, level=chosen, reason=reason[:500],
                          assessed_by_id=actor_id)
    session.add(row)
    referral.level = chosen
    session.flush()
    record_change(session, actor_id, "create", "level_assessment", row.id,
                  after={"referral_id": referral.id, "points": result.points,
                         "suggested_level": result.suggested, "level": chosen})
    return row


def assessments_for(session: Session, referral_ids) -> dict[int, LevelAssessment]:
    ids = list(referral_ids)
    if not ids:
        return {}
    rows = session.exec(select(LevelAssessment).where(LevelAssessment.referral_id.in_(ids))).all()
    return {r.referral_id: r for r in rows}
