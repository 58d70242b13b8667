"""Clinical themes for the demo practice: diagnoses, treatment-plan content, mental status and risk
findings, and plausible PHQ-9 / GAD-7 / PCL-5 score series. Invented content; no real cases.

Pure: every choice comes from a `random.Random` passed in.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from therapy_desk.domain.assessment import (
    Affect,
    Appearance,
    Behavior,
    Insight,
    Judgment,
    MentalStatusExam,
    Mood,
    Orientation,
    Perception,
    RiskAssessment,
    RiskLevel,
    SelfHarm,
    Speech,
    SuicidalIdeation,
    ThoughtContent,
    ThoughtProcess,
)
from therapy_desk.domain.measures import SPECS, Instrument
from therapy_desk.domain.plans import Goal, Intervention, Modality, Objective, Problem, TreatmentPlan

# (statement, ((objective, days to target), ...), ((modality, description), ...))
GoalSpec = tuple[str, tuple[tuple[str, int], ...], tuple[tuple[Modality, str], ...]]


@dataclass(frozen=True)
class Theme:
    """What a kind of presenting problem looks like in a chart."""

    key: str
    codes: tuple[str, ...]  # candidate principal ICD-10-CM codes (billable)
    secondary: tuple[str, ...]  # candidate secondary codes
    phq: tuple[int, int]  # PHQ-9 total at intake (range)
    gad: tuple[int, int]  # GAD-7 total at intake (range)
    mood: Mood
    problem: str
    goals: tuple[GoalSpec, ...]
    symptoms: tuple[str, ...]  # how the client describes the week
    techniques: tuple[str, ...]  # interventions named in notes
    homework: tuple[str, ...]
    focus: tuple[str, ...]  # what the next session will work on
    presenting: str  # intake: the presenting problem
    pcl5: bool = False


THEMES: tuple[Theme, ...] = (
    Theme(
        "depression",
        ("F32.1", "F33.1", "F32.0", "F33.0", "F34.1", "F32.2"),
        ("F41.1", "F51.01"),
        (13, 21),
        (7, 13),
        Mood.DEPRESSED,
        "Depressed mood, low energy and withdrawal from usual activities",
        (
            (
                "Improve mood and daily functioning",
                (("Reduce PHQ-9 total below 10", 120), ("Complete three pleasant or valued activities each week", 60)),
                (
                    (Modality.CBT, "Behavioral activation and activity scheduling"),
                    (Modality.CBT, "Cognitive restructuring of self-critical thoughts"),
                ),
            ),
            (
                "Restore a regular sleep routine",
                (("Keep a consistent wake time at least 5 days a week", 45),),
                ((Modality.CBT, "Sleep hygiene and stimulus control"),),
            ),
        ),
        (
            "low energy and trouble getting out of bed",
            "feeling flat and unmotivated most days",
            "withdrawing from friends and skipping plans",
            "harsh self-criticism after small mistakes",
            "poor sleep, waking around 4 a.m.",
            "little interest in hobbies",
        ),
        ("behavioral activation", "activity scheduling", "cognitive restructuring", "values clarification"),
        (
            "schedule two walks and one call with a friend",
            "complete a daily activity and mood log",
            "write one balanced thought each evening",
            "keep the same wake time every day",
        ),
        ("reviewing the activity log", "self-compassion skills", "relapse prevention", "sleep routine"),
        "persistent low mood, loss of interest and fatigue",
    ),
    Theme(
        "anxiety",
        ("F41.1",),
        ("F32.0", "F51.01"),
        (6, 12),
        (12, 18),
        Mood.ANXIOUS,
        "Excessive worry and muscle tension interfering with work and sleep",
        (
            (
                "Reduce worry to a manageable level",
                (("Reduce GAD-7 total below 10", 120), ("Use scheduled worry time on 5 of 7 days", 45)),
                (
                    (Modality.CBT, "Cognitive restructuring and worry postponement"),
                    (Modality.CBT, "Relaxation training: diaphragmatic breathing and progressive muscle relaxation"),
                ),
            ),
            (
                "Tolerate uncertainty without reassurance seeking",
                (("Complete two planned uncertainty experiments each week", 90),),
                ((Modality.MI, "Motivational interviewing about reducing reassurance seeking"),),
            ),
        ),
        (
            "constant worry about work deadlines",
            "worry about a parent's health",
            "tension headaches and tight shoulders",
            "trouble falling asleep because of racing thoughts",
            "checking email late at night for reassurance",
            "worry about money and the rent",
        ),
        ("cognitive restructuring", "worry postponement", "diaphragmatic breathing", "progressive muscle relaxation"),
        (
            "practice diaphragmatic breathing twice a day",
            "use a 20-minute worry period and postpone worry outside it",
            "complete a thought record for the biggest worry",
            "try one small uncertainty experiment",
        ),
        ("worry exposure", "problem-solving steps", "reassurance seeking", "relaxation practice"),
        "daily worry, restlessness and muscle tension",
    ),
    Theme(
        "panic",
        ("F41.0", "F40.01"),
        ("F41.1",),
        (7, 13),
        (11, 17),
        Mood.ANXIOUS,
        "Recurrent panic attacks and avoidance of driving and crowded places",
        (
            (
                "Reduce the frequency of panic attacks",
                (("Fewer than one panic attack a week for four weeks in a row", 120),),
                ((Modality.CBT, "Psychoeducation on the panic cycle and interoceptive exposure"),),
            ),
            (
                "Resume avoided activities",
                (("Complete the top five steps of the exposure hierarchy", 150),),
                ((Modality.CBT, "Graded in-vivo exposure"),),
            ),
        ),
        (
            "two panic attacks, one while driving on the highway",
            "avoiding the grocery store at busy times",
            "a racing heart and fear of fainting",
            "fewer panic attacks but still bracing for them",
            "anticipatory anxiety before the commute",
        ),
        ("interoceptive exposure", "graded exposure", "panic cycle psychoeducation", "breathing retraining"),
        (
            "practice the spinning exercise daily",
            "drive one exit on the highway three times",
            "stay in the store until anxiety drops by half",
            "log panic symptoms and what followed",
        ),
        ("the next hierarchy step", "safety behaviors", "interoceptive exposure", "relapse prevention"),
        "sudden panic attacks and growing avoidance",
    ),
    Theme(
        "trauma",
        ("F43.10", "F43.12"),
        ("F32.1", "F51.01"),
        (11, 18),
        (10, 16),
        Mood.ANXIOUS,
        "Intrusive memories, nightmares and hypervigilance following a traumatic event",
        (
            (
                "Reduce trauma-related symptoms",
                (("Reduce PCL-5 total by at least 10 points", 150), ("Nightmares on fewer than two nights a week", 90)),
                (
                    (Modality.TRAUMA_FOCUSED, "Cognitive processing therapy"),
                    (Modality.EMDR, "EMDR reprocessing of target memories"),
                ),
            ),
            (
                "Increase sense of safety and grounding",
                (("Use a grounding skill during distress on most days", 60),),
                ((Modality.TRAUMA_FOCUSED, "Grounding and stabilization skills"),),
            ),
        ),
        (
            "nightmares three nights this week",
            "startling at loud noises at work",
            "avoiding the street where the accident happened",
            "intrusive memories triggered by a news story",
            "feeling on guard in crowded places",
        ),
        ("grounding", "cognitive processing therapy", "EMDR resource installation", "trauma psychoeducation"),
        (
            "use 5-4-3-2-1 grounding when memories intrude",
            "complete the impact statement worksheet",
            "practice the safe-place exercise nightly",
            "complete the stuck points log",
        ),
        ("stuck points", "the next EMDR target", "sleep and nightmares", "safety behaviors"),
        "intrusive memories, nightmares and hypervigilance",
        pcl5=True,
    ),
    Theme(
        "adjustment",
        ("F43.23", "F43.21", "F43.22"),
        (),
        (8, 14),
        (8, 14),
        Mood.DYSPHORIC,
        "Distress and low mood following a major life change",
        (
            (
                "Adapt to the change and rebuild routines",
                (
                    ("Identify and use three coping strategies when overwhelmed", 60),
                    ("Re-engage in two social or valued activities each week", 90),
                ),
                (
                    (Modality.SOLUTION_FOCUSED, "Solution-focused scaling and exception finding"),
                    (Modality.CBT, "Problem-solving therapy"),
                ),
            ),
        ),
        (
            "stress since the job loss",
            "sadness about the divorce",
            "feeling unsettled after the move",
            "overwhelm with caregiving for a parent",
            "grief and disruption after the break-up",
        ),
        ("problem-solving", "scaling questions", "exception finding", "supportive counseling"),
        (
            "list three small steps toward the job search",
            "call one friend this week",
            "notice one moment each day that went a little better",
        ),
        ("next steps in the transition", "support network", "routine building"),
        "distress after a recent life change",
    ),
    Theme(
        "adhd",
        ("F90.0", "F90.2"),
        ("F41.1",),
        (5, 10),
        (5, 10),
        Mood.EUTHYMIC,
        "Difficulty with organization, time management and follow-through at work",
        (
            (
                "Improve organization and task completion",
                (("Use a daily planner on 5 of 7 days", 45), ("Meet work deadlines 80% of the time", 120)),
                (
                    (Modality.CBT, "CBT for adult ADHD: planning and prioritizing skills"),
                    (Modality.MI, "Motivational interviewing to build routines"),
                ),
            ),
        ),
        (
            "missing two deadlines at work",
            "losing track of time on projects",
            "forgetting appointments and bills",
            "starting tasks but not finishing them",
        ),
        ("planner training", "task breakdown", "implementation intentions", "environmental modification"),
        (
            "review the planner every morning",
            "break the report into 25-minute blocks",
            "set phone reminders for bills",
        ),
        ("prioritizing", "procrastination", "work routines"),
        "disorganization, missed deadlines and distractibility",
    ),
    Theme(
        "social",
        ("F40.10",),
        ("F32.0",),
        (7, 12),
        (11, 16),
        Mood.ANXIOUS,
        "Fear of judgment limiting work participation and friendships",
        (
            (
                "Reduce avoidance of social situations",
                (("Speak up in at least one meeting a week", 60), ("Initiate plans with a friend twice a month", 90)),
                (
                    (Modality.CBT, "Graded exposure to feared social situations"),
                    (Modality.CBT, "Cognitive restructuring of predictions about others' judgment"),
                ),
            ),
        ),
        (
            "staying quiet in team meetings",
            "skipping a coworker's party",
            "replaying conversations for hours afterwards",
            "blushing and fear of being noticed",
        ),
        ("graded exposure", "cognitive restructuring", "attention training", "role play"),
        (
            "ask one question in the team meeting",
            "start a short conversation with a neighbor",
            "drop one safety behavior during a conversation",
        ),
        ("the next exposure", "post-event rumination", "assertiveness"),
        "fear of judgment and avoidance of social situations",
    ),
    Theme(
        "ocd",
        ("F42.2",),
        ("F32.0",),
        (7, 12),
        (10, 16),
        Mood.ANXIOUS,
        "Intrusive thoughts and checking rituals taking more than an hour a day",
        (
            (
                "Reduce time spent on rituals",
                (("Reduce checking to under 15 minutes a day", 120),),
                ((Modality.CBT, "Exposure and response prevention"),),
            ),
        ),
        (
            "checking the stove and locks many times before leaving",
            "intrusive doubts about having hurt someone",
            "rituals delaying the morning by an hour",
            "resisting a checking urge twice this week",
        ),
        ("exposure and response prevention", "psychoeducation on the OCD cycle", "urge surfing"),
        (
            "leave the house after checking the stove once",
            "record urges and ratings on the ERP log",
            "delay the ritual by ten minutes",
        ),
        ("the ERP hierarchy", "reassurance seeking", "mental rituals"),
        "intrusive thoughts and time-consuming checking",
    ),
)
THEME_BY_KEY = {theme.key: theme for theme in THEMES}
THEME_WEIGHTS = (30, 24, 8, 10, 14, 5, 5, 4)

COUPLE_THEME = Theme(
    "couple",
    ("F43.23",),
    ("Z63.0",),
    (5, 11),
    (6, 12),
    Mood.IRRITABLE,
    "Frequent escalating conflict and emotional distance in the relationship",
    (
        (
            "Improve communication during conflict",
            (
                ("Take a time-out and return to the discussion within 24 hours in most conflicts", 60),
                ("Keep at least one weekly ritual of connection", 90),
            ),
            (
                (Modality.FAMILY_SYSTEMS, "Gottman-informed conflict management"),
                (Modality.OTHER, "Emotionally focused couples therapy interventions"),
            ),
        ),
    ),
    (
        "an argument about household chores that escalated",
        "feeling disconnected since the baby was born",
        "disagreements about money",
        "a calmer week with two date nights",
    ),
    ("speaker-listener technique", "soft start-up", "identifying the negative cycle", "repair attempts"),
    ("plan one date night", "practice a soft start-up for one complaint", "take a 20-minute time-out when flooded"),
    ("the negative cycle", "repair after conflict", "shared meaning"),
    "escalating conflict and emotional distance",
)
FAMILY_THEME = Theme(
    "family",
    ("F43.25",),
    ("Z62.820",),
    (10, 16),
    (8, 13),
    Mood.IRRITABLE,
    "Parent-adolescent conflict, school refusal and irritability",
    (
        (
            "Improve family communication and reduce conflict",
            (("Hold a weekly 20-minute family meeting", 60), ("Teen attends school at least 4 of 5 days", 90)),
            (
                (Modality.FAMILY_SYSTEMS, "Structural family therapy: roles and boundaries"),
                (Modality.CBT, "Parent coaching on consistent limits and praise"),
            ),
        ),
    ),
    (
        "arguments about phone use at night",
        "the teen missed two school days",
        "a calmer week after the new curfew",
        "conflict over homework and grades",
    ),
    ("structural family therapy", "communication skills", "parent coaching", "problem-solving as a family"),
    ("hold the family meeting on Sunday", "parents praise one specific behavior a day", "agree on the phone plan"),
    ("house rules", "school attendance", "repair after arguments"),
    "conflict at home and school refusal",
)
DBT_MODULES = (
    ("Mindfulness", ("wise mind", "observe and describe", "one-mindfully")),
    ("Distress tolerance", ("TIPP", "STOP", "radical acceptance", "self-soothe with the five senses")),
    ("Emotion regulation", ("check the facts", "opposite action", "PLEASE skills", "ABC skills")),
    ("Interpersonal effectiveness", ("DEAR MAN", "GIVE", "FAST")),
)


def pick_theme(rng: random.Random) -> Theme:
    return rng.choices(THEMES, THEME_WEIGHTS)[0]


# -- treatment plans -----------------------------------------------------------------------------


def plan_for(theme: Theme, effective: date, frequency: str, *, review: int = 0) -> TreatmentPlan:
    """A complete plan (every objective dated, interventions, frequency, participation) ready to sign.

    `review` counts earlier versions: each review moves the target dates on.
    """
    goals = tuple(
        Goal(
            statement,
            tuple(Objective(text, effective + timedelta(days=days)) for text, days in objectives),
            tuple(Intervention(modality, description) for modality, description in interventions),
        )
        for statement, objectives, interventions in theme.goals
    )
    participation = (
        "Client reviewed progress on each objective and agreed to the updated targets."
        if review
        else "Client described goals in their own words and agreed to the plan."
    )
    return TreatmentPlan(
        effective_date=effective,
        problems=(Problem(theme.problem, goals),),
        frequency=frequency,
        participation=participation,
    )


# -- mental status and risk ----------------------------------------------------------------------

_ORIENTED = (Orientation.PERSON, Orientation.PLACE, Orientation.TIME, Orientation.SITUATION)


def _mse(mood: Mood, affect: Affect, content: ThoughtContent, insight: Insight, behavior: Behavior) -> MentalStatusExam:
    return MentalStatusExam(
        appearance=Appearance.APPROPRIATE,
        behavior=behavior,
        speech=Speech.NORMAL,
        mood=mood,
        affect=affect,
        thought_process=ThoughtProcess.LINEAR,
        thought_content=(content,),
        perception=(Perception.NO_DISTURBANCE,),
        orientation=_ORIENTED,
        insight=insight,
        judgment=Judgment.GOOD if insight is Insight.GOOD else Judgment.FAIR,
    )


# A handful of findings per mood, shared by many notes (frozen values).
_MSE_BY_MOOD: dict[Mood, tuple[MentalStatusExam, ...]] = {
    mood: (
        _mse(mood, Affect.FULL, ThoughtContent.UNREMARKABLE, Insight.GOOD, Behavior.COOPERATIVE),
        _mse(mood, Affect.CONSTRICTED, ThoughtContent.UNREMARKABLE, Insight.FAIR, Behavior.COOPERATIVE),
        _mse(mood, Affect.CONSTRICTED, ThoughtContent.PREOCCUPATIONS, Insight.GOOD, Behavior.COOPERATIVE),
        _mse(mood, Affect.FULL, ThoughtContent.PREOCCUPATIONS, Insight.FAIR, Behavior.RESTLESS),
    )
    for mood in Mood
}
_EUTHYMIC = _MSE_BY_MOOD[Mood.EUTHYMIC]

LOW_RISK: tuple[RiskAssessment, ...] = (
    RiskAssessment(RiskLevel.LOW, protective_factors=("engaged in treatment", "supportive family")),
    RiskAssessment(RiskLevel.LOW, protective_factors=("future-oriented", "employment")),
    RiskAssessment(RiskLevel.LOW, protective_factors=("close friendships", "engaged in treatment")),
    RiskAssessment(RiskLevel.LOW, self_harm=SelfHarm.PAST, protective_factors=("engaged in treatment", "pets")),
)
PASSIVE_SI = RiskAssessment(
    RiskLevel.MODERATE,
    suicidal_ideation=SuicidalIdeation.PASSIVE,
    protective_factors=("children", "engaged in treatment", "no access to firearms"),
    safety_plan_reviewed=True,
    comments="Passive thoughts of not waking up; denied plan or intent. Safety plan reviewed and updated.",
)


def mental_status(rng: random.Random, mood: Mood, improved: bool) -> MentalStatusExam:
    """Findings for one session: the theme's mood early on, mostly euthymic once the client has improved."""
    if improved and rng.random() < 0.7:
        return rng.choice(_EUTHYMIC)
    return rng.choice(_MSE_BY_MOOD[mood])


# -- measures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trajectory:
    """How a client's scores move over the episode."""

    phq_start: int
    gad_start: int
    pcl_start: int
    change: float  # fraction of the starting score left at the end (0.4: improved, 1.2: worse)

    def total(self, rng: random.Random, instrument: Instrument, progress: float) -> int:
        start = {Instrument.PHQ9: self.phq_start, Instrument.GAD7: self.gad_start, Instrument.PCL5: self.pcl_start}
        base = start[instrument]
        expected = base + (base * self.change - base) * math.pow(min(1.0, progress), 0.8)
        noise = rng.randint(-6, 6) if instrument is Instrument.PCL5 else rng.randint(-2, 2)
        return max(0, min(SPECS[instrument].total_max, round(expected) + noise))


def trajectory(rng: random.Random, theme: Theme) -> Trajectory:
    roll = rng.random()
    change = rng.uniform(0.3, 0.6) if roll < 0.7 else rng.uniform(0.8, 1.0) if roll < 0.9 else rng.uniform(1.05, 1.3)
    return Trajectory(
        phq_start=rng.randint(*theme.phq),
        gad_start=rng.randint(*theme.gad),
        pcl_start=rng.randint(38, 58) if theme.pcl5 else 0,
        change=change,
    )


def answers_for(rng: random.Random, instrument: Instrument, total: int, *, item9: int = 0) -> tuple[int, ...]:
    """Item answers adding up to `total` (PHQ-9 item 9 fixed at `item9`; 0 unless the client endorsed it)."""
    spec = SPECS[instrument]
    answers = [0] * spec.items
    free = list(range(spec.items - 1)) if instrument is Instrument.PHQ9 else list(range(spec.items))
    if instrument is Instrument.PHQ9:
        answers[8] = item9
    left = max(0, min(total - sum(answers), len(free) * spec.item_max))
    while left > 0:
        index = rng.choice(free)
        if answers[index] < spec.item_max:
            answers[index] += 1
            left -= 1
        else:
            free.remove(index)
    return tuple(answers)
