"""`fsmkit brief` end to end on the demo business: every format shows the facts a technician needs, for
work orders chosen for their stories; the brief reads only its account, each kind once; the HTML prints
on one or two pages in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from click.testing import Result

from fsmkit import schema
from fsmkit.app import App
from fsmkit.connectors.files import FilesConnector
from fsmkit.demo import DATA_DIR
from fsmkit.model import Account, Asset, Calendar, Contract, Knowledge, WorkOrder

T = TypeVar("T")

PAGES = ("text", "markdown", "html", "pdf")  # json is data, not a page: see test_json_*
SECTIONS = ("the job", "the customer", "what we promised", "the equipment", "while you are there")

# story -> (arguments, facts that must be on the page in every format, facts that must not)
STORIES: dict[str, tuple[tuple[str, ...], list[str], list[str]]] = {
    "overdue-p1": (
        ("brief", "wo-000532"),
        [
            "Pre-visit brief: WO0010532 (P1 corrective)",
            "Times are local to the site: America/New_York (EDT).",
            "UPS room overheating - CRAC-2 down",
            "Meridian SEC1 Data Center",
            "1 Enterprise Ave, Secaucus, NJ 07094",
            "Photo ID and escort required; book access 2 hours ahead via the NOC (+1 201 555 0144).",
            "2026-10-30 10:00-12:00 EDT, Marcus Reed",
            "2026-10-30 10:10 EDT: OVERDUE by 110 business minutes",
            "2026-10-31 06:10 EDT: 18 business hours 10 min left",
            "2026-10-30 12:15 EDT: 15 minutes left",
            "Meridian Data Centers LLC, tier gold",
            "Raj Mehta, Facilities Manager | +1 201 555 0171 | rmehta@meridian-dc.example | prefers email",
            "on site within 4 business hours for P1, 24/7",
            "17 of 18 promises kept (94%): on-site response 3/4, fix 3/3, arrival window 8/8, preventive maintenance 3/3",
            "CRAC-2 rooftop unit (UPS room) / AST-0041",
            "11.3 years (installed 2015-06-27), expected life 15 years",
            "2026-08-18 WO0010437 P4 corrective CONTROL-BOARD",
            "RTU-12: control board recovery after a power dip",
            "CRAC-1 rooftop unit (data hall 1) (AST-0040), PolarAir RTU-12, PA12-2016-34043, contract SC-2025-0019",
        ],
        ["Repeat failure", "Callback"],
    ),
    "repeat-failure": (
        ("--as-of", "2026-04-20T10:00:00+02:00", "brief", "WO0010245"),
        [
            "Times are local to the site: Europe/Berlin (CEST).",
            "Kitchen entrance at the rear; hairnet and shoe covers required.",
            "2026-04-20 11:00-13:00 CEST, Lukas Hoffmann",
            "2026-04-20 17:30 CEST: 7 hours 30 min left",
            "Repeat failure: Central kitchen walk-in cooler (CoolVault WIC-20) failed 4 times in 70 days "
            "(WO0010151, WO0010174, WO0010210, WO0010245).",
            "Callback: WO0010174 on Central kitchen walk-in cooler (CoolVault WIC-20) came 6.9 days after "
            "WO0010151 was fixed by Lukas Hoffmann: the fix did not stick.",
            "Callback: WO0010210 on Central kitchen walk-in cooler (CoolVault WIC-20) came 23.1 days after "
            "WO0010174 was fixed by Lukas Hoffmann: the fix did not stick.",
            "2026-02-09 WO0010151 P2 corrective DEFROST-HEATER",
            "2026-03-14, scored 1/5: Kitchen walk-in failed again - third time since February.",
            "WIC-20: iced evaporator",
            "An open defrost heater or a failed termination thermostat both ice the coil; replace both if the coil "
            "has iced twice.",
            "WO0010244 P2 corrective, opened 2026-04-20, Klinikum Rheinaue - Main Building",
        ],
        ["Fourth call for the central kitchen walk-in"],  # said on 2026-04-22, after as_of
    ),
    "complaints": (
        ("brief", "wo-000527", "--findings", "{findings}"),
        [
            "Thames Deli & Bakery Ltd, tier bronze",
            "2026-09-23, scored 1/5: Technician arrived over two hours late and had no parts with him.",
            "2026-06-14, scored 2/5: Waited all morning, nobody came and nobody called.",
            "2025-11-20, scored 1/5: Same fault again 12 days after the last repair. The fix did not stick.",
            "6 promises breached in the last 12 months: on-site response 1, arrival window 5",
            "2026-10-08, scored 5/5: Callum was quick and explained everything to the manager on duty.",
            "on site within 16 business hours, Mon-Fri 08:00-17:00, Sat 09:00-13:00 Europe/London, holidays excepted",
            "13 of 15 promises kept (87%): on-site response 4/4, fix 4/4, arrival window 5/7",
            "Fleet-wide defect suspected: ArcticFlow CU-7 fails 3.9x as often as the rest of the fleet",
            "Callback: WO0010527 on Display counter condensing unit (ArcticFlow CU-7) came 21.1 days after "
            "WO0010481 was fixed by Callum Hughes: the fix did not stick.",
            "CU-7: compressor start relay fails early (service bulletin SB-AF7-014)",
            "Ice machine (AST-0071), IceMaster IM-300: 13.4 years, expected life 8 years",
        ],
        [],
    ),
    "no-contract": (
        ("brief", "WO0010199"),
        [
            "Pre-visit brief: WO0010199 (P3 corrective)",
            "Café Rosenthal",
            "Rosenheimer Str. 14, 81669 München",
            "Dog in the yard - ring first; the owner lives upstairs.",
            "Pay-per-call customer in Munich, no service contract. Quote a bronze contract at the next visit.",
            "No contract was in force when this job was opened: the work is not covered.",
            "2 jobs in the last 90 days had no contract",
            "not on any contract",
            "RC-400: door gasket replacement without removing the door",
        ],
        ["Respond by", "Resolve by", "While you are there"],  # no promise clock; nothing else at the site
    ),
    "pm-due-on-site": (
        ("brief", "WO0010533"),
        [
            "since 2026-10-30 16:10 CET, Awaiting Parts",  # the resolution clock is stopped
            "Dairy aisle condensing unit (AST-0011), ArcticFlow CU-7: due 2026-11-09 13:05 CET",
            "Produce walk-in cooler (AST-0013), CoolVault WIC-20: due 2026-11-09 15:17 CET",
            "Salad bar reach-in (AST-0015), FrostLine RC-400, FL4-2026-26965, contract SC-2025-0031, warranty until "
            "2028-02-19",
        ],
        [],
    ),
}


@pytest.fixture(scope="module")
def findings_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's `fsmkit repeats --format json`, as a technician's office would keep it."""
    from click.testing import CliRunner

    from fsmkit.cli import cli

    path = tmp_path_factory.mktemp("repeats") / "repeats.json"
    result = CliRunner().invoke(
        cli, ["--profile", "demo", "repeats", "--format", "json", "--output", str(path)]
    )
    assert result.exit_code == 0, result.output
    return path


def story_args(story: str, findings_file: Path) -> list[str]:
    args, _, _ = STORIES[story]
    return ["--profile", "demo", *(a.format(findings=findings_file) for a in args)]


def visible(output: bytes, format: str) -> str:
    """The words a reader sees in one format, whitespace collapsed, for facts to be looked up in."""
    if format == "pdf":
        content = pdf_text(output)
        content = re.sub(r"-\n\s*", "-", content)  # a line broken after a hyphen
    else:
        content = output.decode()
    if format == "markdown":
        content = re.sub(r"(?<!\\)\||\*\*|^#+ |^> ", " ", content, flags=re.MULTILINE)
        content = re.sub(r"\\(.)", r"\1", content)
    if format == "html":
        content = html.unescape(re.sub(r"<[^>]+>", " ", content.split("<body>")[1]))
    return " ".join(content.split())


def pdf_text(document: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian: apt-get install poppler-utils)")
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=document, capture_output=True, check=True
    ).stdout.decode()


def needs_weasyprint() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        pytest.skip("weasyprint is not installed (pip install 'fsmkit[pdf]' and Pango from the system)")


def output_of(run: Callable[..., Result], args: list[str], format: str, tmp_path: Path) -> bytes:
    if format == "pdf":
        needs_weasyprint()
    target = tmp_path / f"brief.{format}"
    result = run(*args, "--format", format, "--output", str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    return target.read_bytes()


@pytest.mark.parametrize("format", PAGES)
@pytest.mark.parametrize("story", STORIES)
def test_every_format_shows_the_storys_facts(
    run: Callable[..., Result], story: str, format: str, findings_file: Path, tmp_path: Path
) -> None:
    _, facts, absent = STORIES[story]
    words = visible(output_of(run, story_args(story, findings_file), format, tmp_path), format)
    missing = [fact for fact in facts if fact not in words]
    assert missing == [], words
    assert [a for a in absent if a.lower() in words.lower()] == []
    positions = [words.lower().find(title) for title in SECTIONS if title in words.lower()]
    assert positions == sorted(positions)  # the sections come in the order


def test_text_fits_80_columns_and_two_printed_pages(run: Callable[..., Result], findings_file: Path) -> None:
    for story in STORIES:
        lines = run(*story_args(story, findings_file)).stdout.splitlines()
        assert max(len(line) for line in lines) <= 80, story
        assert len(lines) <= 2 * 66, story  # 66 lines a page at 6 lines an inch on Letter
    headings = [
        line for line in run("--profile", "demo", "brief", "wo-000532").stdout.splitlines() if "-----" in line
    ]
    assert [h.split(" -")[0] for h in headings] == ["THE JOB", "THE CUSTOMER", "WHAT WE PROMISED", "THE EQUIPMENT",
                                                    "WHILE YOU ARE THERE"]  # fmt: skip


def brief_json(run: Callable[..., Result], *args: str) -> dict[str, Any]:
    result = run("--profile", "demo", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_is_the_briefs_data(run: Callable[..., Result], findings_file: Path) -> None:
    p1 = brief_json(run, "brief", "wo-000532")
    assert list(p1) == ["as_of", "timezone", "job", "customer", "promised", "equipment", "nearby"]
    assert (p1["as_of"], p1["timezone"], p1["job"]["number"], p1["job"]["state"]) == (
        "2026-10-30T16:00:00Z", "America/New_York", "WO0010532", "open"
    )  # fmt: skip
    clock = {
        f["rule"]: (f["status"], f["due_at"], f["late_by_minutes"], f["remaining_minutes"])
        for f in p1["job"]["clock"]
    }
    assert clock == {
        "response": ("breached", "2026-10-30T14:10:00Z", 110, None),
        "resolution": ("pending", "2026-10-31T10:10:00Z", None, 1090),
        "arrival": ("pending", "2026-10-30T16:15:00Z", None, 15),
    }
    repeat = brief_json(run, "--as-of", "2026-04-20T10:00:00+02:00", "brief", "WO0010245")
    assert [(f["rule"], f["subject"]["id"]) for f in repeat["equipment"]["flags"]] == [
        ("callback", "wo-000174"), ("callback", "wo-000210"), ("repeat_failure", "AST-0021")
    ]  # fmt: skip
    assert [h["number"] for h in repeat["equipment"]["history"]] == [
        "WO0010221", "WO0010210", "WO0010174", "WO0010151", "WO0010111", "WO0010008"
    ]  # fmt: skip
    complaints = brief_json(run, "brief", "wo-000527", "--findings", str(findings_file))
    assert complaints["customer"]["breaches"]["by_rule"] == {"arrival": 5, "response": 1}
    assert [f["score"] for f in complaints["customer"]["complaints"]] == [1, 2, 1]
    assert [f["subject"]["id"] for f in complaints["equipment"]["fleet_defects"]] == ["ArcticFlow CU-7"]
    assert [a["asset_id"] for a in complaints["nearby"]["past_expected_life"]] == ["AST-0071"]
    no_contract = brief_json(run, "brief", "wo-000199")
    assert no_contract["promised"]["contract"] is None
    assert [(f["rule"], f["status"]) for f in no_contract["job"]["clock"]] == [("coverage", "not_covered")]
    sales = brief_json(run, "brief", "wo-000534")
    assert [(j["number"], j["same_site"]) for j in sales["nearby"]["open_work_orders"]] == [
        ("WO0010530", False)
    ]
    assert [(e["kind"], e["id"], e["ends_on"]) for e in sales["nearby"]["ending"]] == [
        ("warranty", "AST-0079", "2026-12-14"), ("contract", "CON-010", "2027-01-15")
    ]  # fmt: skip


@pytest.mark.parametrize("story", STORIES)
def test_json_matches_the_schema_and_writes_utc(
    run: Callable[..., Result], story: str, findings_file: Path
) -> None:
    text = run(*story_args(story, findings_file), "--format", "json").stdout
    document = json.loads(text)
    schema.compiled("brief")(document)
    assert schema.first_error("brief", document) is None
    assert re.findall(r"\d\d:\d\d:\d\d(?:\.\d+)?[+-]\d\d:\d\d", text) == []
    assert text == run(*story_args(story, findings_file), "--format", "json").stdout  # stable


def test_html_is_self_contained_and_escaped(run: Callable[..., Result]) -> None:
    page = run("--profile", "demo", "brief", "wo-000527", "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>\n") and page.endswith("</html>\n")
    assert "Thames Deli &amp; Bakery Ltd" in page and "Thames Deli & Bakery" not in page
    assert re.findall(r"<(?:script|link|img|iframe)|@import|url\(|src=", page) == []
    assert "@page" in page and "@media print" in page


def test_markdown_escapes_the_data(run: Callable[..., Result]) -> None:
    page = run("--profile", "demo", "brief", "wo-000532", "--format", "markdown").stdout
    assert page.startswith("# Pre-visit brief: WO0010532 (P1 corrective)\n\n")
    assert "- **Respond by:** **2026-10-30 10:10 EDT: OVERDUE by 110 business minutes**" in page
    assert "Raj Mehta, Facilities Manager \\| +1 201 555 0171" in page


# -- cost: one account's records, each kind once ------------------------------------------------------


class CountingFiles(FilesConnector):
    """The files connector, counting calls per method and the records each call yielded."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.calls: Counter[str] = Counter()
        self.records: dict[str, list[Any]] = defaultdict(list)

    def _counted(self, method: str, records: Iterable[T]) -> Iterator[T]:
        self.calls[method] += 1
        for record in records:
            self.records[method].append(record)
            yield record

    def accounts(self, ids: Iterable[str] | None = None) -> Iterator[Account]:
        return self._counted("accounts", super().accounts(ids))

    def assets(self, account_ids: Iterable[str] | None = None) -> Iterator[Asset]:
        return self._counted("assets", super().assets(account_ids))

    def calendars(self) -> Iterator[Calendar]:
        return self._counted("calendars", super().calendars())

    def contracts(self, account_ids: Iterable[str] | None = None) -> Iterator[Contract]:
        return self._counted("contracts", super().contracts(account_ids))

    def knowledge(self, models: Iterable[str] | None = None) -> Iterator[Knowledge]:
        return self._counted("knowledge", super().knowledge(models))

    def work_orders(
        self,
        since: datetime | None,
        until: datetime | None = None,
        account_ids: Iterable[str] | None = None,
        asset_ids: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> Iterator[WorkOrder]:
        return self._counted("work_orders", super().work_orders(since, until, account_ids, asset_ids, kinds))

    def work_order(self, key: str) -> WorkOrder | None:
        return next(self._counted("work_order", [super().work_order(key)]))


def test_a_brief_reads_only_its_account_and_each_kind_once(
    run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = CountingFiles(DATA_DIR)
    monkeypatch.setattr(App, "connector", property(lambda app: connector))
    result = run("--profile", "demo", "brief", "wo-000532", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert connector.calls == {"work_order": 1, "accounts": 1, "assets": 1, "contracts": 1, "calendars": 1,
                               "knowledge": 1, "work_orders": 1}  # fmt: skip
    read = {method: len(records) for method, records in connector.records.items()}
    everything = {name: len((DATA_DIR / f"{name}.jsonl").read_text().splitlines()) for name in
                  ("accounts", "assets", "contracts", "calendars", "knowledge", "work_orders")}  # fmt: skip
    assert everything == {"accounts": 12, "assets": 87, "contracts": 12, "calendars": 8, "knowledge": 24,
                          "work_orders": 535}  # fmt: skip
    # ACC-005's records; its work orders from its PM contract's start (2025-08-20) to as_of; the model's KB
    assert read == {"work_order": 1, "accounts": 1, "assets": 5, "contracts": 1, "calendars": 8, "knowledge": 4,
                    "work_orders": 26}  # fmt: skip
    for method in ("accounts", "assets", "contracts"):
        assert {getattr(r, "account_id", getattr(r, "id", None)) for r in connector.records[method]} == {
            "ACC-005"
        }
    assert {w.account_id for w in connector.records["work_orders"]} == {"ACC-005"}
    assert min(w.opened_at for w in connector.records["work_orders"]) >= datetime.fromisoformat(
        "2025-08-20T00:00:00Z"
    )
    assert {k.model for k in connector.records["knowledge"]} == {"PolarAir RTU-12"}


# -- errors and output -------------------------------------------------------------------------------


def test_an_unknown_work_order_is_one_line_and_exit_2(run: Callable[..., Result]) -> None:
    result = run("--profile", "demo", "brief", "wo-999999")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "fsmkit: error: work order wo-999999 not found in profile demo: give a work order's id or number\n"
    )


def test_a_findings_file_that_is_not_repeats_output_is_an_input_error(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "repeats.csv").write_text("rule,status,severity\ncallback,flagged,medium\n")
    (tmp_path / "bad.jsonl").write_text(
        '{"rule": "callback", "status": "maybe", "subject": {"type": "asset", "id": "x"}}\n'
    )
    result = run("--profile", "demo", "brief", "wo-000532", "--findings", str(tmp_path / "repeats.csv"))
    assert (result.exit_code, result.stderr) == (
        2,
        f"fsmkit: error: {tmp_path / 'repeats.csv'}: not the output of fsmkit repeats; write it with "
        "`fsmkit repeats --format json`\n",
    )
    result = run("--profile", "demo", "brief", "wo-000532", "--findings", str(tmp_path / "bad.jsonl"))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"fsmkit: error: {tmp_path / 'bad.jsonl'}: finding 1: field status: 'maybe' is not one of"
    )


def test_output_is_written_whole_and_stdout_stays_empty(run: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "brief.md"
    result = run("--profile", "demo", "brief", "wo-000532", "--format", "markdown", "--output", str(target))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert target.read_text().startswith("# Pre-visit brief: WO0010532 (P1 corrective)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.md", "home"]


def test_pdf_without_the_extra_says_how_to_install_it(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint now raises ImportError
    target = tmp_path / "brief.pdf"
    result = run("--profile", "demo", "brief", "wo-000532", "--format", "pdf", "--output", str(target))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "fsmkit: error: PDF output needs the pdf extra: pip install 'fsmkit[pdf]' (and its system libraries, "
        "see README)\n"
    )
    assert not target.exists()


@pytest.mark.parametrize("story", STORIES)
def test_the_pdf_is_one_or_two_a4_pages(run: Callable[..., Result], story: str, findings_file: Path) -> None:
    needs_weasyprint()
    from weasyprint import HTML

    page = run(*story_args(story, findings_file), "--format", "html").stdout
    assert 1 <= len(HTML(string=page).render().pages) <= 2


# -- what the technician prints ----------------------------------------------------------------------


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    pytest.skip(
        "chromium is not installed (Debian: apt-get install chromium fonts-dejavu-core; .ci/run does)"
    )


@pytest.mark.parametrize(
    ("story", "paper"), [(story, "Letter") for story in STORIES] + [("complaints", "A4")]
)
def test_chromium_prints_the_html_on_one_or_two_pages(
    run: Callable[..., Result], story: str, paper: str, findings_file: Path, tmp_path: Path
) -> None:
    browser = chromium()
    page = run(*story_args(story, findings_file), "--format", "html").stdout
    if paper == "A4":  # Chromium prints on Letter unless the page asks for another size
        page = page.replace("</head>", "<style>@page { size: A4; }</style></head>")
    source, printed = tmp_path / "brief.html", tmp_path / "brief.pdf"
    source.write_text(page, encoding="utf-8")
    subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         f"--print-to-pdf={printed}", "--no-pdf-header-footer", source.as_uri()],
        capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    document = printed.read_bytes()
    pages = [int(n) for n in re.findall(rb"/Type /Pages\s*/Count (\d+)", document)]
    assert len(pages) == 1 and 1 <= pages[0] <= 2, pages
    size = {"Letter": rb"\[0 0 612 792\]", "A4": rb"\[0 0 594\.9\d* 841\.9\d*\]"}[paper]
    assert re.search(rb"/MediaBox " + size, document), paper


def test_pdf_goes_to_stdout_as_bytes(run: Callable[..., Result]) -> None:
    needs_weasyprint()
    result = run("--profile", "demo", "brief", "wo-000532", "--format", "pdf")
    assert (result.exit_code, result.stderr, result.stdout_bytes[:5]) == (0, "", b"%PDF-")
    assert "2026-10-30 10:10 EDT: OVERDUE by 110 business minutes" in " ".join(
        pdf_text(result.stdout_bytes).split()
    )
