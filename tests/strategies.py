"""Hypothesis strategies for domain objects (trials any source could state), and example counts."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from trialkg.model import (
    LAST_KNOWN_STATUSES,
    AgencyClass,
    Allocation,
    Arm,
    ArmGroupType,
    CriterionKind,
    CriterionSection,
    Intervention,
    InterventionModel,
    InterventionType,
    Location,
    Masking,
    MeshTerm,
    Official,
    OfficialRole,
    Organization,
    OrganizationRole,
    Outcome,
    OverallStatus,
    Phase,
    PrimaryPurpose,
    Reference,
    ReferenceType,
    SecondaryId,
    Sex,
    SourceDocument,
    StudyType,
    Trial,
    WebLink,
)
from trialkg.rdf import iri


def examples(full: int) -> int:
    """`full` under the ci profile (conftest.py), as many in proportion under another: a tenth under dev."""
    return max(1, full * settings.default.max_examples // settings.get_profile("default").max_examples)


# Any text a document may hold, minus surrogates (not encodable), never empty.
text = st.text(min_size=1, max_size=40).filter(lambda s: s.strip() != "")
_SECTIONS = ("DISEASE CHARACTERISTICS", "PATIENT CHARACTERISTICS", "PRIOR CONCURRENT THERAPY")
maybe_text = st.none() | text
nct_ids = st.integers(0, 99_999_999).map(lambda n: f"NCT{n:08d}")


_DAYS = {"Years": 365.25, "Months": 30.4375, "Weeks": 7, "Days": 1}


def _age_days(age: str) -> float:
    number, unit = age.split()
    return int(number) * _DAYS[unit]


@st.composite
def iso_dates(draw: st.DrawFn, years: tuple[int, int] = (1900, 2100)) -> str:
    year = draw(st.integers(*years))
    precision = draw(st.sampled_from(["y", "ym", "ymd"]))
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    return {"y": f"{year}", "ym": f"{year}-{month:02d}", "ymd": f"{year}-{month:02d}-{day:02d}"}[precision]


# One term per descriptor id, as in MeSH itself (the graph keeps one label per descriptor).
mesh_terms = st.integers(1, 99999).map(lambda n: MeshTerm(f"D{n:06d}", f"Term {n}"))
outcomes = st.builds(Outcome, measure=text, time_frame=maybe_text, description=maybe_text)
ages = st.builds(lambda n, u: f"{n} {u}", st.integers(0, 120), st.sampled_from(["Years", "Months", "Weeks", "Days"]))


@st.composite
def trials(draw: st.DrawFn) -> Trial:
    inclusion_criteria = tuple(draw(st.lists(text, max_size=3)))
    interventions = draw(
        st.lists(
            st.builds(
                Intervention,
                name=text,
                type=st.none() | st.sampled_from(InterventionType),
                description=maybe_text,
                other_names=st.lists(text, max_size=2, unique=True).map(lambda xs: tuple(sorted(xs))),
            ),
            max_size=3,
            unique_by=lambda i: i.name,
        )
    )
    names = [i.name for i in interventions]
    arms = draw(
        st.lists(
            st.builds(
                Arm,
                label=text,
                description=maybe_text,
                type=st.none() | st.sampled_from(ArmGroupType),
                # the graph gives an arm's interventions in the trial's intervention order
                intervention_names=st.lists(st.sampled_from(names), unique=True).map(
                    lambda xs: tuple(sorted(xs, key=names.index))
                )
                if names
                else st.just(()),
            ),
            max_size=3,
        )
    )
    org_names = draw(st.lists(text, max_size=3, unique_by=iri.organization))
    roles = draw(
        st.lists(
            st.sampled_from([None, OrganizationRole.COLLABORATOR]), min_size=len(org_names), max_size=len(org_names)
        )
    )
    if org_names and draw(st.booleans()):
        roles[0] = OrganizationRole.LEAD_SPONSOR
    organizations = tuple(
        Organization(name, role, draw(st.none() | st.sampled_from(AgencyClass)))
        for name, role in zip(org_names, roles, strict=True)
    )
    status = draw(st.none() | st.sampled_from(OverallStatus))
    # Cross-field rules a real record keeps: start before completion, minimum age below maximum.
    start_date, completion_date, primary_completion_date = (
        draw(st.none() | iso_dates(years=(1900, 1999))),
        draw(st.none() | iso_dates(years=(2000, 2100))),
        draw(st.none() | iso_dates(years=(2000, 2100))),
    )
    min_age, max_age = draw(st.none() | ages), draw(st.none() | ages)
    if min_age and max_age and _age_days(min_age) > _age_days(max_age):
        min_age, max_age = max_age, min_age
    party = draw(
        st.none().map(lambda _: (None, None, None))
        | st.tuples(st.sampled_from(["SPONSOR", "PRINCIPAL_INVESTIGATOR"]), maybe_text, maybe_text)
    )
    return Trial(
        source=SourceDocument(
            file_name=draw(text), format="test", sha256=draw(st.from_regex(r"[0-9a-f]{64}", fullmatch=True))
        ),
        nct_id=draw(st.none() | nct_ids),
        org_study_id=draw(maybe_text),
        secondary_ids=tuple(draw(st.lists(st.builds(SecondaryId, identifier=text, type=maybe_text), max_size=2))),
        brief_title=draw(maybe_text),
        official_title=draw(maybe_text),
        acronym=draw(maybe_text),
        overall_status=status,
        last_known_status=draw(st.none() | st.sampled_from(sorted(LAST_KNOWN_STATUSES))),
        phases=tuple(sorted(draw(st.sets(st.sampled_from(Phase), max_size=2)), key=lambda p: p.value)),
        study_type=draw(st.none() | st.sampled_from(StudyType)),
        enrollment=draw(st.none() | st.integers(0, 10**6)),
        start_date=start_date,
        completion_date=completion_date,
        first_posted=draw(st.none() | iso_dates()),
        last_update_posted=draw(st.none() | iso_dates()),
        organizations=organizations,
        officials=tuple(
            draw(
                st.lists(
                    st.builds(
                        Official, name=text, role=st.none() | st.sampled_from(OfficialRole), affiliation=maybe_text
                    ),
                    max_size=2,
                )
            )
        ),
        conditions=tuple(draw(st.lists(text, max_size=3))),
        keywords=tuple(sorted(draw(st.sets(text, max_size=3)))),
        interventions=tuple(interventions),
        arms=tuple(arms),
        allocation=draw(st.none() | st.sampled_from(Allocation)),
        intervention_model=draw(st.none() | st.sampled_from(InterventionModel)),
        primary_purpose=draw(st.none() | st.sampled_from(PrimaryPurpose)),
        masking=draw(st.none() | st.sampled_from(Masking)),
        min_age=min_age,
        max_age=max_age,
        sex=draw(st.none() | st.sampled_from(Sex)),
        healthy_volunteers=draw(st.none() | st.booleans()),
        inclusion_criteria=inclusion_criteria,
        exclusion_criteria=tuple(draw(st.lists(text, max_size=3))),
        # Some inclusion criteria under a named section (the PDQ layout), as the registry parsers give them.
        criteria_sections=tuple(
            CriterionSection(CriterionKind.INCLUSION, n, draw(st.sampled_from(_SECTIONS)))
            for n in range(1, len(inclusion_criteria) + 1)
            if draw(st.booleans())
        ),
        primary_outcomes=tuple(
            draw(st.lists(st.builds(Outcome, measure=text, time_frame=maybe_text, description=maybe_text), max_size=2))
        ),
        secondary_outcomes=tuple(
            draw(st.lists(st.builds(Outcome, measure=text, time_frame=maybe_text, description=maybe_text), max_size=2))
        ),
        locations=tuple(
            draw(
                st.lists(
                    st.builds(
                        Location,
                        facility=text,
                        city=maybe_text,
                        state=maybe_text,
                        country=maybe_text,
                        zip=maybe_text,
                        status=st.none() | st.sampled_from(OverallStatus),
                        latitude=st.floats(-90, 90),
                        longitude=st.floats(-180, 180),
                    ),
                    max_size=2,
                )
            )
        ),
        references=tuple(
            draw(
                st.lists(
                    st.builds(
                        Reference,
                        type=st.none() | st.sampled_from(ReferenceType),
                        citation=text,
                        pmid=st.none() | st.from_regex(r"[1-9][0-9]{0,8}", fullmatch=True),
                        doi=maybe_text,
                    ),
                    max_size=2,
                )
            )
        ),
        related_trials=tuple(draw(st.lists(nct_ids, max_size=3, unique=True))),
        brief_summary=draw(maybe_text),
        detailed_description=draw(maybe_text),
        has_results=draw(st.none() | st.booleans()),
        is_fda_regulated_drug=draw(st.none() | st.booleans()),
        is_fda_regulated_device=draw(st.none() | st.booleans()),
        has_dmc=draw(st.none() | st.booleans()),
        primary_completion_date=primary_completion_date,
        other_outcomes=tuple(draw(st.lists(outcomes, max_size=2))),
        nct_id_aliases=tuple(sorted(draw(st.sets(nct_ids, max_size=2)))),
        see_also_links=tuple(
            draw(st.lists(st.builds(WebLink, url=st.just("https://example.org/x"), label=maybe_text), max_size=2))
        ),
        responsible_party_type=party[0],
        responsible_party_name=party[1],
        responsible_party_affiliation=party[2],
        ipd_sharing=draw(st.none() | st.sampled_from(["YES", "NO", "UNDECIDED"])),
        ipd_sharing_description=draw(maybe_text),
        condition_meshes=tuple(draw(st.lists(mesh_terms, max_size=3))),
        condition_mesh_ancestors=tuple(draw(st.lists(mesh_terms, max_size=3))),
        intervention_meshes=tuple(draw(st.lists(mesh_terms, max_size=2))),
        intervention_mesh_ancestors=tuple(draw(st.lists(mesh_terms, max_size=2))),
    )
