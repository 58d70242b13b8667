"""Note text for the demo practice: session notes in SOAP, DAP, BIRP and GIRP, intake assessments,
cancellation and discharge notes, written from templates with substitutions. Invented content.

Pure: every choice comes from a `random.Random` passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from therapy_desk.demo.clinical import DBT_MODULES, Theme
from therapy_desk.domain.notes import NoteFormat

FORMAT_WEIGHTS = {NoteFormat.SOAP: 45, NoteFormat.DAP: 30, NoteFormat.BIRP: 20, NoteFormat.GIRP: 5}

_TREND_BETTER = (
    "less often this week",
    "and said it has eased somewhat since the last session",
    "but described it as more manageable",
    "and noticed it lifting on most days",
)
_TREND_SAME = ("about as often as last week", "with little change since the last session", "on and off all week")
_TREND_WORSE = ("more often this week", "and said it has been harder since the last session")
_EVENTS = (
    "Described a tense conversation with {rel} about {topic}.",
    "Said {rel} has been supportive, and they talked about {topic}.",
    "Went back to the gym twice and felt proud of it.",
    "Missed a day of work with a cold and felt behind afterwards.",
    "Spent the weekend with {rel} and enjoyed most of it.",
    "Started a new shift schedule at work and is adjusting.",
    "Had a disagreement with {rel} over {topic} and handled it better than before.",
    "Reported a stressful week at work with a looming deadline.",
    "Took a short trip to the coast and rested.",
    "Noticed more energy on the days they walked outside.",
)
_RELATIONS = (
    "their partner",
    "their mother",
    "a supervisor",
    "a roommate",
    "their sister",
    "a close friend",
    "their son",
)
_TOPICS = (
    "money",
    "household chores",
    "holiday plans",
    "setting boundaries",
    "a recent move",
    "caregiving",
    "work hours",
)
_HOMEWORK_DONE = (
    "Completed the agreed practice on {n} of 7 days.",
    "Completed most of the homework and brought notes to session.",
    "Did not complete the homework; identified time pressure as the barrier.",
    "Tried the skill twice and found it helpful once.",
)
_PRESENTATION = (
    "Arrived on time, casually and appropriately dressed, cooperative and engaged.",
    "Arrived a few minutes late, apologetic, cooperative once settled.",
    "Engaged throughout; good eye contact; speech normal in rate and volume.",
    "Appeared tired but participated fully; speech normal; thought process linear.",
)
_TELEHEALTH = (
    "Session held by secure video; client at home in a private room and consented to telehealth.",
    "Telehealth session by secure video; client confirmed location and privacy at the start.",
)
_PROGRESS = {
    "early": ("Client is early in treatment and engaged in building rapport", "Symptoms remain significant"),
    "mid": ("Client is making steady progress", "Symptoms are partly improved", "Progress is uneven but present"),
    "late": ("Client has made clear gains", "Symptoms are much improved", "Client is consolidating gains"),
}
_RESPONSES = (
    "Client was receptive and practiced the skill in session with coaching.",
    "Client engaged well and identified a concrete situation to apply the skill.",
    "Client was initially hesitant, then able to generate two alternative thoughts.",
    "Client reported the exercise was difficult but worthwhile and agreed to practice.",
    "Client responded well, rating distress lower at the end of the session.",
)
_RISK_LOW = (
    "Denied suicidal or homicidal ideation; risk assessed as low.",
    "No safety concerns raised; denied SI/HI; risk remains low.",
    "Risk reviewed: denied thoughts of self-harm; protective factors intact; low risk.",
)
_RISK_FLAGGED = (
    "Endorsed passive thoughts of death on the PHQ-9 (item 9); denied plan or intent. Safety plan reviewed and "
    "updated with the client; crisis line 988 provided; risk assessed as moderate."
)


@dataclass(frozen=True)
class SessionContext:
    """What a session note needs to know beyond the client's theme."""

    progress: float  # 0 at intake, 1 at the end of the episode
    telehealth: bool
    frequency: str  # "weekly" or "every two weeks"
    goal: str  # a treatment-plan goal addressed
    measures: str = ""  # e.g. "PHQ-9 total 9 (mild); GAD-7 total 7 (mild)."
    flagged: bool = False  # PHQ-9 item 9 endorsed this session
    unit: str = ""  # "", "couple", "family" or "group"
    plan_review: bool = False


def _stage(progress: float) -> str:
    return "early" if progress < 0.2 else "mid" if progress < 0.7 else "late"


def _trend(rng: random.Random, progress: float) -> str:
    roll = rng.random()
    if progress > 0.3 and roll < 0.6:
        return rng.choice(_TREND_BETTER)
    return rng.choice(_TREND_WORSE if roll > 0.9 else _TREND_SAME)


def _who(ctx: SessionContext) -> str:
    return {"couple": "Partners", "family": "Family members", "group": "Member"}.get(ctx.unit, "Client")


def _subjective(rng: random.Random, theme: Theme, ctx: SessionContext) -> str:
    who = _who(ctx)
    if ctx.unit == "group":
        module, skills = rng.choice(DBT_MODULES)
        return (
            f"Member attended the DBT skills group ({module} module) and shared a homework example about "
            f"{rng.choice(_TOPICS)}. Reported practicing {rng.choice(skills)} {rng.randint(1, 6)} times this week."
        )
    event = rng.choice(_EVENTS).format(rel=rng.choice(_RELATIONS), topic=rng.choice(_TOPICS))
    homework = rng.choice(_HOMEWORK_DONE).format(n=rng.randint(2, 7))
    return f"{who} reported {rng.choice(theme.symptoms)} {_trend(rng, ctx.progress)}. {event} {homework}"


def _objective(rng: random.Random, ctx: SessionContext) -> str:
    parts = [rng.choice(_TELEHEALTH) if ctx.telehealth else rng.choice(_PRESENTATION)]
    if ctx.measures:
        parts.append(ctx.measures)
    return " ".join(parts)


def _assessment(rng: random.Random, ctx: SessionContext) -> str:
    stage = rng.choice(_PROGRESS[_stage(ctx.progress)])
    risk = _RISK_FLAGGED if ctx.flagged else rng.choice(_RISK_LOW)
    review = (
        " Treatment plan reviewed with the client; objectives updated and the client agrees with the revised plan."
        if ctx.plan_review
        else ""
    )
    return f"{stage} toward the goal to {ctx.goal.lower()}.{review} {risk}"


def _intervention(rng: random.Random, theme: Theme, ctx: SessionContext) -> str:
    if ctx.unit == "group":
        module, skills = rng.choice(DBT_MODULES)
        return f"Facilitated the {module} module: taught and role-played {rng.choice(skills)}; assigned diary cards."
    first, second = rng.sample(theme.techniques, 2)
    return f"Used {first} and {second}; reviewed homework and linked it to the treatment goal."


def _plan(rng: random.Random, theme: Theme, ctx: SessionContext) -> str:
    if ctx.unit == "group":
        return "Continue weekly DBT skills group and individual therapy; complete the diary card daily."
    return (
        f"Continue sessions {ctx.frequency}. Homework: {rng.choice(theme.homework)}. "
        f"Next session will focus on {rng.choice(theme.focus)}."
    )


def session_sections(rng: random.Random, note_format: NoteFormat, theme: Theme, ctx: SessionContext) -> dict[str, str]:
    """The sections of a progress (or plan review) note in `note_format`."""
    plan = _plan(rng, theme, ctx)
    if note_format is NoteFormat.SOAP:
        return {
            "Subjective": _subjective(rng, theme, ctx),
            "Objective": _objective(rng, ctx),
            "Assessment": _assessment(rng, ctx),
            "Plan": plan,
        }
    if note_format is NoteFormat.DAP:
        return {
            "Data": f"{_subjective(rng, theme, ctx)} {_objective(rng, ctx)}",
            "Assessment": _assessment(rng, ctx),
            "Plan": plan,
        }
    if note_format is NoteFormat.BIRP:
        return {
            "Behavior": f"{_subjective(rng, theme, ctx)} {_objective(rng, ctx)}",
            "Intervention": _intervention(rng, theme, ctx),
            "Response": f"{rng.choice(_RESPONSES)} {_assessment(rng, ctx)}",
            "Plan": plan,
        }
    if note_format is NoteFormat.GIRP:
        return {
            "Goals": f"Session addressed the goal to {ctx.goal.lower()}. {_subjective(rng, theme, ctx)}",
            "Intervention": _intervention(rng, theme, ctx),
            "Response": f"{rng.choice(_RESPONSES)} {_assessment(rng, ctx)}",
            "Plan": plan,
        }
    return {"Narrative": " ".join((_subjective(rng, theme, ctx), _assessment(rng, ctx), plan))}


_HISTORY = (
    "No prior outpatient therapy.",
    "Saw a counselor briefly in college and found it helpful.",
    "Previous therapy two years ago for similar concerns; stopped after moving.",
    "Prior treatment with a primary care physician who prescribed an SSRI last year.",
)
_SOCIAL = (
    "Lives with a partner and works full time in {job}.",
    "Lives alone and works as {job}.",
    "Lives with two roommates and is a graduate student.",
    "Lives with a spouse and two children; works part time in {job}.",
)
_JOBS = (
    "retail management",
    "an elementary school teacher",
    "software support",
    "nursing",
    "a warehouse",
    "accounting",
)
_SUBSTANCE = (
    "Drinks alcohol socially, two to three drinks a week; denied drug use.",
    "Denied alcohol or drug use.",
    "Uses cannabis occasionally to sleep; open to reducing use.",
)
_MEDICAL = (
    "No significant medical history; annual physical up to date.",
    "Seasonal allergies; no other medical concerns.",
    "Hypothyroidism, managed by primary care.",
)
_RECOMMEND = (
    "Individual psychotherapy {frequency}, measurement-based care with PHQ-9 and GAD-7 monthly.",
    "Outpatient psychotherapy {frequency}; coordinate with primary care with the client's written authorization.",
    "Psychotherapy {frequency}; consider a medication evaluation if symptoms do not improve in 8 weeks.",
)


def intake_sections(
    rng: random.Random, theme: Theme, *, age: int, referral: str, diagnosis: str, frequency: str, measures: str
) -> dict[str, str]:
    """An intake assessment in narrative format (biopsychosocial history through recommendations)."""
    text = (
        f"Presenting problem: {age}-year-old client referred by {referral.lower()} for {theme.presenting}, "
        f"present for about {rng.choice(('three months', 'six months', 'a year', 'several years'))}. "
        f"Client reports {rng.choice(theme.symptoms)} and {rng.choice(theme.symptoms)}.\n"
        f"History: {rng.choice(_HISTORY)}\n"
        f"Social: {rng.choice(_SOCIAL).format(job=rng.choice(_JOBS))}\n"
        f"Substance use: {rng.choice(_SUBSTANCE)}\n"
        f"Medical: {rng.choice(_MEDICAL)}\n"
        f"Mental status: alert and oriented x4; mood as described; thought process linear. {measures}\n"
        f"Risk: {rng.choice(_RISK_LOW)}\n"
        f"Diagnostic impression: {diagnosis}.\n"
        f"Recommendations: {rng.choice(_RECOMMEND).format(frequency=frequency)}"
    )
    return {"Narrative": text}


def missed_sections(rng: random.Random, *, no_show: bool, at: str, fee: bool) -> dict[str, str]:
    """A cancellation/no-show note."""
    if no_show:
        text = (
            f"Client did not attend the {at} session and did not call ahead. Clinician called and left a "
            "confidential voicemail offering to reschedule."
        )
    else:
        reason = rng.choice(("a sick child", "a work emergency", "car trouble", "feeling unwell"))
        text = f"Client cancelled the {at} session by phone {rng.randint(2, 20)} hours ahead, citing {reason}."
    text += (
        " Missed-appointment fee applied per the signed financial policy."
        if fee
        else " Fee waived this time; policy reviewed with the client."
    )
    return {"Narrative": text}


def discharge_sections(
    rng: random.Random, theme: Theme, *, sessions: int, first: date, last: date, measures: str, goals_met: bool
) -> dict[str, str]:
    """A discharge summary in narrative format."""
    reason = (
        "treatment goals met"
        if goals_met
        else rng.choice(("client relocated out of state", "client chose to end treatment", "insurance change"))
    )
    text = (
        f"Client attended {sessions} sessions between {first:%B %d, %Y} and {last:%B %d, %Y} for {theme.presenting}. "
        f"{measures} Reason for discharge: {reason}. Client was given crisis resources (988) and invited to "
        "return if needed. Records closed."
    )
    return {"Narrative": text}
