"""``kiosk-server demo-data``: a realistic demo year in the server's database, so a newcomer
sees real result pages at once.

What it makes, all of it from the seed (the same options make the same records, byte for byte):

- the demo catalog (``common/data/demo_catalog.json``) as the default catalog, and its centers
  with their Georgian and English names;
- 2–3 kiosks per center, named ``demo-<center>-<n>``, added and enrolled the way staff and a
  tablet would do it (:func:`~server.enrollment.add_kiosks`, then
  :func:`~server.enrollment.enroll` with a fresh Ed25519 key, which goes into the key history).
  The key's private half lives only while the run signs its heads, then it is thrown away:
  nobody can sign requests as a demo kiosk. Device ids come from the seed;
- about ``ratings`` ratings over the given year and the months after it up to yesterday, in the
  centers' opening hours (09:00–18:00 Georgian time, UTC+4; the central hall also opens on
  Saturday mornings; closed on public holidays), busier on Mondays and late mornings;
- satisfaction that differs by program: two programs clearly worse, several alike, a few
  liked; a couple of programs that a center sees only a handful of times a month, so the
  pages' small-number suppression shows;
- reasons for about 40 % of ratings (ids of the service's low or high list, in catalog order,
  as a kiosk sends them), comments for about 10 % (Georgian mostly, some English; some carry a
  personal number, a phone number or an e-mail address the pages must mask), and about 1 % of
  ratings flagged ``burst``: someone tapping fast at one kiosk, flagged by the kiosk's own rule
  (more than 5 ratings within 60 s).

Every kiosk's records form a proper chain (seq 1, 2, 3 …, ``prev_hash`` links, ``record_hash``)
and go through :func:`server.batches.receive_records`, the path of uploads and imports, in
transactions of :data:`CHUNK` records, so every rule of the server holds for them. Each chunk
is kept as a batch whose chain head the kiosk's key signed (received, like its records, at the
moment of the run), so an audit of the demo database (``kiosk-server audit-export``,
``audit/verify.py``) finds every record under a signed head, as for real kiosks.

Running it again stores nothing twice. The last day filled is the day before the first run; it
is read back from when the demo records were received, so a rerun on a later day makes the same
records and every one comes back ``duplicate``. A chunk without its signed head (a run that was
interrupted, or a database filled before heads were signed) is signed on the rerun; its kiosk,
whose earlier key is gone, is enrolled again with a new one first, as a real kiosk would be.
Other options (``--ratings``, ``--year``, ``--seed``) would make other chains for the same
devices; that is refused before anything is written, as is a database whose default catalog is
not the demo catalog.
"""

from __future__ import annotations

import hashlib
import logging
import random
import uuid
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection

from common import __version__
from common.catalog import Catalog, Service, demo_catalog_bytes, loads_catalog
from common.messages import EnrollRequest
from common.protocol import (
    DUPLICATE,
    MAX_BATCH_RECORDS,
    REJECTED,
    STORED,
    b64,
    head_message,
    public_key_b64,
)
from common.records import GENESIS_HASH, Flag, Kind, Record, format_utc, record_hash
from server.batches import Received, keep_batch, receive_records
from server.catalogs import etag_of, store_catalog
from server.db import (
    DEFAULT_CATALOG_SCOPE,
    batches,
    catalogs,
    centers,
    kiosks,
    records,
    utc_now,
)
from server.enrollment import AdminError, add_center, add_kiosks, enroll, reenroll_kiosk
from server.errors import ApiError
from server.local_time import MUNICIPAL_TIME

log = logging.getLogger("server.demo_data")

CHUNK = MAX_BATCH_RECORDS
"""Records judged per transaction, like one upload batch."""
UTC_OFFSET_MIN = 240
MAX_RATINGS = 2_000_000
FIRST_YEAR = 2000

BURST_COUNT = 5
BURST_WINDOW = timedelta(seconds=60)
"""The kiosk's defaults (``kiosk.settings``): more than 5 ratings within 60 s are a burst."""
BURST_SHARE = 0.01
LANGUAGE_EN_SHARE = 0.14

# -- when people come -------------------------------------------------------------------------

_KIOSKS_PER_CENTER = (2, 3)
_KIOSK_WEIGHTS = (1.0, 0.8, 0.6)
"""The kiosk by the entrance gets the most taps."""
_CENTER_WEIGHT = {"central-service-hall": 1.0, "social-service-agency": 0.6}
_WEEKDAY_WEIGHT = (1.2, 1.05, 1.0, 1.0, 0.9)
"""Monday to Friday: Monday is the busiest."""
_SATURDAY_WEIGHT = 0.35
_SATURDAY_CENTERS = frozenset({"central-service-hall"})
_MONTH_WEIGHT = (1.1, 1.0, 1.0, 0.95, 0.9, 0.95, 0.85, 0.7, 1.1, 1.05, 1.05, 1.15)
"""January to December: quiet in August, busy before the winter."""
_WEEKDAY_HOURS = (9, 10, 11, 12, 13, 14, 15, 16, 17)
_WEEKDAY_HOUR_WEIGHTS = (0.55, 0.95, 1.15, 1.1, 0.7, 0.95, 1.05, 0.9, 0.6)
"""Late morning and mid-afternoon peaks, a lunch dip at 13:00."""
_SATURDAY_HOURS = (10, 11, 12, 13, 14)
_SATURDAY_HOUR_WEIGHTS = (0.8, 1.0, 1.0, 0.9, 0.6)
_FIXED_HOLIDAYS = (
    (1, 1), (1, 2), (1, 7), (1, 19), (3, 3), (3, 8), (4, 9),
    (5, 9), (5, 12), (5, 26), (8, 28), (10, 14), (11, 23),
)  # fmt: skip
"""Georgia's public holidays on fixed dates; Orthodox Easter is added per year."""

# -- what they rate and how they feel ---------------------------------------------------------

_SERVICE_WEIGHT: dict[str, dict[str, float]] = {
    "central-service-hall": {
        "service-hall-documents": 20, "vulnerable-families": 12, "transport-discount": 11,
        "medical-expenses": 9, "newborn-allowance": 8, "student-tuition": 5,
        "veterans-utility-subsidy": 5, "large-families": 4, "disability-support": 4,
        "elderly-care": 3, "free-canteen": 2, "civic-budget": 0.35,
    },
    "social-service-agency": {
        "vulnerable-families": 22, "free-canteen": 12, "elderly-care": 10,
        "medical-expenses": 10, "disability-support": 9, "veterans-utility-subsidy": 5,
        "large-families": 5, "newborn-allowance": 3, "transport-discount": 2,
        "student-tuition": 1, "homeless-shelter": 1.2, "service-hall-documents": 0.6,
    },
}  # fmt: skip
"""How often each program is rated at each center. The civic budget at the central hall, the
shelter and the documents desk at the social services office get a handful a month: the
small cells."""
_DEFAULT_SERVICE_WEIGHT = 2.0
"""For a service of the catalog not listed above."""
_SEASON: dict[str, dict[int, float]] = {
    "student-tuition": {2: 2.5, 6: 0.5, 7: 0.5, 8: 0.5, 9: 2.5},
    "free-canteen": {1: 1.3, 2: 1.3, 11: 1.3, 12: 1.3},
    "veterans-utility-subsidy": {1: 1.4, 2: 1.4, 12: 1.4},
    "transport-discount": {9: 1.5},
}
_MOOD: dict[str, float] = {
    "vulnerable-families": 2.5,
    "medical-expenses": 2.95,
    "disability-support": 3.5,
    "homeless-shelter": 3.55,
    "civic-budget": 3.7,
    "veterans-utility-subsidy": 3.75,
    "large-families": 3.8,
    "student-tuition": 3.8,
    "transport-discount": 3.85,
    "elderly-care": 4.05,
    "service-hall-documents": 4.15,
    "newborn-allowance": 4.2,
    "free-canteen": 4.3,
}
"""The score each program's ratings gather around: support for vulnerable families and
medical expenses clearly worse, a group of programs alike near 3.8, a few well liked."""
_DEFAULT_MOOD = 3.8
_CENTER_MOOD = {"social-service-agency": -0.1}
"""The social services office is in an older building (stairs, a small waiting room)."""
_LATER_YEAR_MOOD = {"vulnerable-families": 0.3}
"""The year after the given one: the vulnerable-families procedure was simplified."""
_SUMMER_MOOD = {"medical-expenses": -0.3}
"""July and August: reimbursements come late."""
_REASONS_CHANCE = {"low": 0.5, "high": 0.36}
_COMMENT_CHANCE = {1: 0.18, 2: 0.16, 3: 0.11, 4: 0.08, 5: 0.07}
_PERSONAL_DATA_SHARE = 0.15
"""Of comments: people who leave a personal number, a phone number or an e-mail address."""
_REASON_WEIGHT: dict[str, dict[str, float]] = {
    "vulnerable-families": {"amount-too-small": 3, "too-many-documents": 2.5, "long-wait": 2},
    "medical-expenses": {"late-payment": 3, "too-many-documents": 2},
    "free-canteen": {"good-food": 2.5},
    "service-hall-documents": {"quick-service": 2.5, "long-wait": 2},
}

# -- comments ---------------------------------------------------------------------------------
# (mood, services, text): mood "-" for scores 1–2, "~" for 3, "+" for 4–5, "!" for the comments
# that carry personal data (any score); services: the ids the text is about, empty for any.
# Placeholders: {minutes} {short} {days} {weeks} {name} {pn} {phone} {email}.

_FOOD = ("free-canteen",)
_VULNERABLE = ("vulnerable-families",)
_MEDICAL = ("medical-expenses",)
_DISABILITY = ("disability-support",)
Template = tuple[str, tuple[str, ...], str]

COMMENTS_KA: tuple[Template, ...] = (
    ("-", (), "ძალიან დიდხანს ვიცადე რიგში, თითქმის {minutes} წუთი."),
    ("-", (), "საბუთები სამჯერ მომატანინეს, ყოველ ჯერზე სხვა რამეს ითხოვდნენ."),
    ("-", (), "ოპერატორი უხეშად მელაპარაკა, არადა მხოლოდ კითხვა დავუსვი."),
    ("-", (), "ვერავინ ამიხსნა, რატომ ვერ ვაკმაყოფილებ პირობებს."),
    ("-", (), "საიტზე ერთი წერია, აქ კი სხვას მეუბნებიან."),
    ("-", (), "ცხელ ხაზზე ვერ დავრეკე, სულ დაკავებულია."),
    ("-", (), "{weeks} კვირაა პასუხს ველოდები და არავინ მირეკავს."),
    ("-", (), "დილის ცხრა საათზე ავიღე ნომერი, მიმიღეს მხოლოდ თორმეტზე."),
    ("-", (), "მოსაცდელში დასაჯდომი ადგილი არ არის, ხანდაზმულები ფეხზე დგანან."),
    ("-", (), "მოხუცი დედისთვის აქ მოსვლა ძალიან რთულია. ონლაინ რატომ არ შეიძლება?"),
    ("-", (), "თანხა {days} დღის დაგვიანებით ჩაირიცხა."),
    ("-", (), "დახმარების თანხა ძალიან მცირეა, კომუნალურებსაც არ ჰყოფნის."),
    (
        "-",
        _VULNERABLE,
        "სარეიტინგო ქულა გადამითვალეს და დახმარება მომიხსნეს, ოჯახის მდგომარეობა კი არ შეცვლილა.",
    ),
    ("-", _VULNERABLE, "სოციალური აგენტი ორი თვეა ვერ მოვიდა ჩვენთან."),
    ("-", _MEDICAL, "წამლების ხარჯი ნაწილობრივ აანაზღაურეს, დანარჩენი ისევ ჩვენ გვაწევს."),
    ("-", _MEDICAL, "ოპერაციის თანხა ჯერ კიდევ არ გადაურიცხავთ კლინიკისთვის."),
    ("-", _DISABILITY, "ლიფტი არ მუშაობს, ეტლით მეორე სართულზე ვერ ავედი."),
    ("-", _FOOD, "საჭმელი ცივი იყო და ულუფა პატარა."),
    ("-", _FOOD, "სასადილოში ყოველდღე ერთი და იგივე საჭმელია."),
    ("-", ("transport-discount",), "მგზავრობის ბარათის გააქტიურებას ერთი კვირა დასჭირდა."),
    (
        "-",
        ("student-tuition",),
        "სტუდენტური დაფინანსების პირობები გაუგებარია: რამდენი ქულაა საჭირო?",
    ),
    (
        "-",
        ("newborn-allowance",),
        "ბავშვის დაბადების დახმარებისთვის ზედმეტად ბევრი ცნობა მოითხოვეს.",
    ),
    (
        "-",
        ("large-families",),
        "მრავალშვილიანი ოჯახის სტატუსის დასადასტურებლად ხუთი ცნობა მომატანინეს.",
    ),
    ("-", ("homeless-shelter",), "თავშესაფარში ადგილი არ იყო, ღამე გარეთ გავათიე."),
    ("~", (), "თანამშრომელი კარგი იყო, მაგრამ რიგი ძალიან გრძელია."),
    ("~", (), "ზოგადად კმაყოფილი ვარ, თუმცა საბუთების სია წინასწარ უნდა ეწეროს საიტზე."),
    ("~", (), "კარგი იქნება, შაბათსაც თუ იმუშავებთ."),
    ("~", (), "გთხოვთ, მოსაცდელში სკამები დაამატოთ."),
    ("~", (), "ინფორმაცია აზერბაიჯანულ და სომხურ ენებზეც არის საჭირო."),
    ("~", (), "ნორმალურად მომემსახურნენ, უბრალოდ დიდხანს გაგრძელდა."),
    ("~", (), "SMS-ით რომ შემატყობინოთ, აქ მოსვლა აღარ დამჭირდებოდა."),
    ("~", (), "თანხა მცირეა, მაგრამ მადლობა ამისთვისაც."),
    ("~", (), "სამუშაო საათები მომუშავე ადამიანებს არ აწყობს."),
    ("~", _FOOD, "სასადილო კარგია, ოღონდ უფრო ადრე რომ იღებოდეს."),
    ("+", (), "დიდი მადლობა, ყველაფერი სწრაფად და გასაგებად ამიხსნეს."),
    ("+", (), "თანამშრომელი {name} ძალიან დამეხმარა, მადლობა!"),
    ("+", (), "ამ დახმარების გარეშე ზამთარს ვერ გადავიტანდით."),
    ("+", (), "სწრაფი მომსახურება, {short} წუთში მორჩა ყველაფერი."),
    ("+", (), "ყველაფერი ძალიან მარტივი იყო, ერთი ვიზიტით მოვაგვარე."),
    ("+", (), "თავაზიანი და ყურადღებიანი პერსონალი. მადლობა!"),
    ("+", (), "მადლობა!"),
    ("+", ("newborn-allowance",), "ბავშვის დაბადების თანხა დროულად ჩაირიცხა, მადლობა."),
    (
        "+",
        ("student-tuition",),
        "სტუდენტური დაფინანსება ძალიან გვეხმარება, შვილი უნივერსიტეტში სწავლობს.",
    ),
    ("+", ("transport-discount",), "პენსიონერებისთვის მგზავრობის შეღავათი ძალიან კარგია."),
    ("+", ("large-families",), "მრავალშვილიან ოჯახს ეს დახმარება ძალიან გვჭირდება, მადლობა."),
    (
        "+",
        ("veterans-utility-subsidy",),
        "ვეტერანის სუბსიდია დროულად მოდის, პრობლემა არასდროს მქონია.",
    ),
    ("+", ("elderly-care",), "შინ მოვლის სერვისი ჩემი ბებიისთვის ნამდვილი შველაა."),
    ("+", ("civic-budget",), "ჩემი იდეა სამოქალაქო ბიუჯეტში დარეგისტრირდა, პროცესი გასაგები იყო."),
    ("+", ("homeless-shelter",), "თავშესაფარში სუფთაა და თბილა, პერსონალი კეთილია."),
    ("+", _MEDICAL, "ოპერაციის ხარჯის ნაწილი დაგვიფინანსეს, დიდი შვება იყო."),
    ("+", ("service-hall-documents",), "ცნობა ადგილზევე მომცეს, არსად არ გამგზავნეს."),
    ("+", _FOOD, "საჭმელი გემრიელია და პერსონალი თბილად გვხვდება."),
    ("+", _DISABILITY, "შესასვლელთან პანდუსი გააკეთეს, ახლა ეტლით მარტივად შემოვდივარ."),
    ("!", (), "ჩემი პირადი ნომერია {pn}, გთხოვთ, გადაამოწმოთ ჩემი განცხადება."),
    ("!", (), "გთხოვთ, დამირეკოთ: {phone}. {weeks} კვირაა პასუხს ველოდები."),
    ("!", (), "პასუხი ამ მისამართზე მომწერეთ: {email}"),
    ("!", (), "პ/ნ {pn}, ტელ. {phone} — თანხა ჯერ არ ჩარიცხულა."),
    ("!", (), "{name}, ტელეფონი {phone}. მინდა, ვინმე დამიკავშირდეს."),
    ("!", (), "განცხადება პირად ნომერზე {pn} შევიტანე, სტატუსი არსად ჩანს. {email}"),
)

COMMENTS_EN: tuple[Template, ...] = (
    ("-", (), "Waited almost {minutes} minutes in the queue."),
    ("-", (), "They sent me back three times for documents, each time asking for something else."),
    ("-", (), "The operator was rude to me, and I only asked a question."),
    ("-", (), "Nobody could explain why I don't meet the conditions."),
    ("-", (), "The website says one thing and here they tell me another."),
    ("-", (), "The hotline is always busy, I could never get through."),
    ("-", (), "I have been waiting {weeks} weeks for an answer and nobody calls back."),
    ("-", (), "Took a ticket at 9 in the morning and was seen only at noon."),
    ("-", (), "No seats in the waiting room, elderly people have to stand."),
    ("-", (), "Coming here is very hard for my elderly mother. Why can't this be done online?"),
    ("-", (), "The payment arrived {days} days late."),
    ("-", (), "The amount is too small, it does not even cover the utility bills."),
    (
        "-",
        _VULNERABLE,
        "My rating score was recalculated and the assistance stopped, although nothing "
        "changed in our family.",
    ),
    ("-", _VULNERABLE, "The social agent has not come to assess us for two months."),
    ("-", _MEDICAL, "Only part of the medicine costs was covered, the rest is still on us."),
    ("-", _MEDICAL, "The money for the operation still has not been transferred to the clinic."),
    ("-", _DISABILITY, "The lift is broken, I could not get to the second floor in my wheelchair."),
    ("-", _FOOD, "The food was cold and the portion small."),
    ("-", _FOOD, "The same meal every single day."),
    ("-", ("transport-discount",), "Activating the travel card took a week."),
    ("-", ("student-tuition",), "The tuition funding rules are unclear: what score do you need?"),
    ("-", ("newborn-allowance",), "Far too many certificates for the newborn allowance."),
    ("-", ("large-families",), "Five certificates just to prove we are a large family."),
    ("-", ("homeless-shelter",), "No place at the shelter, I spent the night outside."),
    ("~", (), "The staff member was nice, but the queue is very long."),
    ("~", (), "Generally fine, but the list of documents should be on the website in advance."),
    ("~", (), "It would help if you were open on Saturdays too."),
    ("~", (), "Please put more chairs in the waiting area."),
    ("~", (), "Information in Azerbaijani and Armenian is needed too."),
    ("~", (), "Served properly, it just took long."),
    ("~", (), "An SMS notice would have saved me the trip."),
    ("~", (), "The amount is small, but thank you for it anyway."),
    ("~", (), "The opening hours do not suit people who work."),
    ("~", _FOOD, "The canteen is good, but it should open earlier."),
    ("+", (), "Thank you, everything was explained quickly and clearly."),
    ("+", (), "{name} at the desk helped me a lot, thank you!"),
    ("+", (), "Without this help we would not have made it through the winter."),
    ("+", (), "Quick service, all done in {short} minutes."),
    ("+", (), "Very simple, sorted out in one visit."),
    ("+", (), "Polite and attentive staff. Thank you!"),
    ("+", (), "Thanks!"),
    ("+", ("newborn-allowance",), "The newborn allowance arrived on time, thank you."),
    ("+", ("student-tuition",), "The tuition funding really helps, my son is at university."),
    ("+", ("transport-discount",), "The travel discount for pensioners is great."),
    ("+", ("large-families",), "As a large family we really need this support, thank you."),
    ("+", ("veterans-utility-subsidy",), "The veterans' subsidy always comes on time."),
    ("+", ("elderly-care",), "The home care service is a real relief for my grandmother."),
    ("+", ("civic-budget",), "My civic budget idea was registered, the process was clear."),
    ("+", ("homeless-shelter",), "The shelter is clean and warm, the staff are kind."),
    ("+", _MEDICAL, "Part of the surgery costs was covered, a huge relief."),
    ("+", ("service-hall-documents",), "Got my certificate on the spot, no running around."),
    ("+", _FOOD, "Tasty food and friendly staff."),
    ("+", _DISABILITY, "They built a ramp at the entrance, now I get in easily in my wheelchair."),
    ("!", (), "My personal number is {pn}, please check my application."),
    ("!", (), "Please call me back on {phone}, I have been waiting {weeks} weeks."),
    ("!", (), "Please send the answer to {email}"),
    ("!", (), "ID {pn}, tel. {phone}: the money has still not arrived."),
    ("!", (), "{name}, phone {phone}. I would like someone to contact me."),
    ("!", (), "Applied under personal number {pn}, the status is not shown anywhere. {email}"),
)

_NAMES = {
    "ka": ("ნინო", "გიორგი", "თამარი", "დავითი", "მარიამი", "ლევანი", "ეკა", "ზურაბი", "ნათია"),
    "en": ("Nino", "Giorgi", "Tamar", "Davit", "Mariam", "Levan", "Eka", "Zurab", "Natia"),
}
_EMAIL_NAMES = ("nino", "giorgi", "tamar", "davit", "mariam", "levan", "eka", "zura", "natia")
_SURNAMES = (
    "beridze",
    "kapanadze",
    "gelashvili",
    "maisuradze",
    "giorgadze",
    "lomidze",
    "tsiklauri",
)
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
"""Domains reserved for examples (RFC 2606): no real mailbox is named."""


class DemoDataError(AdminError):
    """Demo data that cannot be made or stored as asked; the message says why."""


@dataclass(frozen=True)
class DemoKiosk:
    name: str
    center_id: str
    device_id: str


@dataclass
class DemoPlan:
    """Everything demo-data stores, made without touching the database."""

    catalog_version: str
    first_day: date
    last_day: date
    kiosks: list[DemoKiosk]
    records: dict[str, list[dict[str, Any]]]
    """Wire records by device id, in seq order."""
    ratings: int = 0
    burst: int = 0
    reasons: int = 0
    comments: int = 0


@dataclass
class DemoSummary:
    """What a run made and what of it was new."""

    plan: DemoPlan
    new_centers: int = 0
    new_kiosks: int = 0
    catalog_loaded: bool = False
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    rejections: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """The one summary line the command prints."""
        plan = self.plan
        centers_count = len({kiosk.center_id for kiosk in plan.kiosks})
        text = (
            f"Demo data {plan.first_day} to {plan.last_day}: catalog {plan.catalog_version} "
            f"({'loaded' if self.catalog_loaded else 'already there'}), "
            f"{centers_count} centers ({self.new_centers} new), "
            f"{len(plan.kiosks)} kiosks ({self.new_kiosks} new), "
            f"{plan.ratings} ratings ({plan.burst} flagged burst), {plan.reasons} reasons, "
            f"{plan.comments} comments; records stored {self.stored}, "
            f"already there {self.duplicate}"
        )
        if self.rejected:
            reasons = ", ".join(f"{r} {n}" for r, n in sorted(self.rejections.items()))
            text += f", rejected {self.rejected} ({reasons})"
        return text + "."


@dataclass(frozen=True)
class _Sender:
    """A demo kiosk as :func:`receive_records` knows its senders."""

    id: int
    name: str
    center_id: str
    device_id: str


@dataclass
class _Session:
    """One citizen at one kiosk: a rating, maybe reasons, maybe a comment."""

    at: datetime
    kiosk: int
    service: Service
    score: int
    language: str
    reasons: tuple[str, ...] = ()
    comment: str | None = None
    in_burst: bool = False


# -- the plan ---------------------------------------------------------------------------------


def demo_kiosks(catalog: Catalog, seed: int) -> list[DemoKiosk]:
    """The demo kiosks: 2–3 per center, device ids derived from the seed."""
    rng = random.Random(f"ukukavshiri-demo-kiosks:{seed}")
    out = []
    for center in catalog.centers:
        for number in range(1, rng.choice(_KIOSKS_PER_CENTER) + 1):
            digest = hashlib.sha256(f"ukukavshiri-demo:{seed}:{center.id}:{number}".encode())
            device_id = str(uuid.UUID(bytes=digest.digest()[:16], version=4))
            out.append(DemoKiosk(f"demo-{center.id}-{number}", center.id, device_id))
    return out


def make_plan(catalog: Catalog, ratings: int, seed: int, year: int, as_of: date) -> DemoPlan:
    """The records of every demo kiosk, from ``year``-01-01 to the day before ``as_of`` (at most
    to the end of the year after ``year``)."""
    first_day = date(year, 1, 1)
    end = min(as_of, date(year + 2, 1, 1))
    kiosk_list = demo_kiosks(catalog, seed)
    days = _open_days(catalog, first_day, end)
    if not days:
        raise DemoDataError(
            f"there is no opening day from {first_day} to the day before {as_of}; "
            "choose an earlier --year"
        )
    rng = random.Random(f"ukukavshiri-demo:{seed}:{ratings}:{year}:{as_of}")
    by_center: dict[str, list[int]] = {}
    for index, kiosk in enumerate(kiosk_list):
        by_center.setdefault(kiosk.center_id, []).append(index)
    bursts = _burst_sessions(rng, catalog, days, by_center, ratings)
    sessions = _sessions(rng, catalog, days, by_center, ratings - len(bursts), year)
    plan = DemoPlan(catalog.version, first_day, end - timedelta(days=1), kiosk_list, {})
    per_kiosk: list[list[_Session]] = [[] for _ in kiosk_list]
    for session in sorted(sessions + bursts, key=lambda s: s.at):
        per_kiosk[session.kiosk].append(session)
    for kiosk, kiosk_sessions in zip(kiosk_list, per_kiosk, strict=True):
        plan.records[kiosk.device_id] = _chain(rng, catalog, kiosk, kiosk_sessions, plan)
    return plan


def _orthodox_easter(year: int) -> date:
    """Orthodox Easter Sunday (Meeus' Julian algorithm, shifted to the Gregorian calendar)."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    return date(year, month, day + 1) + timedelta(days=13)


def _holidays(year: int) -> set[date]:
    easter = _orthodox_easter(year)
    moving = {easter + timedelta(days=offset) for offset in (-2, -1, 0, 1)}
    return {date(year, month, day) for month, day in _FIXED_HOLIDAYS} | moving


def _open_days(catalog: Catalog, first: date, end: date) -> list[tuple[str, date, float]]:
    """(center, day, weight) for every day a center is open in [first, end)."""
    holidays: dict[int, set[date]] = {}
    out = []
    day = first
    while day < end:
        closed = holidays.setdefault(day.year, _holidays(day.year))
        weekday = day.weekday()
        for center in catalog.centers:
            if day in closed or weekday == 6:
                continue
            if weekday == 5:
                if center.id not in _SATURDAY_CENTERS:
                    continue
                weight = _SATURDAY_WEIGHT
            else:
                weight = _WEEKDAY_WEIGHT[weekday]
            weight *= _MONTH_WEIGHT[day.month - 1] * _CENTER_WEIGHT.get(center.id, 0.6)
            out.append((center.id, day, weight))
        day += timedelta(days=1)
    return out


def _moment(rng: random.Random, day: date) -> datetime:
    """A time within the center's opening hours of ``day``, in UTC."""
    if day.weekday() == 5:
        hour = rng.choices(_SATURDAY_HOURS, _SATURDAY_HOUR_WEIGHTS)[0]
    else:
        hour = rng.choices(_WEEKDAY_HOURS, _WEEKDAY_HOUR_WEIGHTS)[0]
    local = datetime.combine(day, time(hour), MUNICIPAL_TIME) + timedelta(
        seconds=rng.random() * 3600
    )
    return local.astimezone(UTC)


def _service_table(catalog: Catalog) -> dict[tuple[str, int], tuple[list[Service], list[float]]]:
    """For each (center, month): the services and their cumulative weights."""
    table = {}
    for center in catalog.centers:
        base = _SERVICE_WEIGHT.get(center.id, {})
        for month in range(1, 13):
            services, weights = [], []
            for service in catalog.services:
                weight = base.get(service.id, 0.0 if base else _DEFAULT_SERVICE_WEIGHT)
                weight *= _SEASON.get(service.id, {}).get(month, 1.0)
                if weight > 0:
                    services.append(service)
                    weights.append(weight)
            table[center.id, month] = (services, list(accumulate(weights)))
    return table


def _score(rng: random.Random, service: str, center: str, day: date, year: int) -> int:
    mood = _MOOD.get(service, _DEFAULT_MOOD) + _CENTER_MOOD.get(center, 0.0)
    if day.year > year:
        mood += _LATER_YEAR_MOOD.get(service, 0.0)
    if day.month in (7, 8):
        mood += _SUMMER_MOOD.get(service, 0.0)
    if rng.random() < 0.06:  # those who always tap an extreme face
        return 5 if rng.random() < (mood - 1) / 4 else 1
    return min(5, max(1, round(rng.gauss(mood, 0.95))))


def _language(rng: random.Random) -> str:
    return "en" if rng.random() < LANGUAGE_EN_SHARE else "ka"


def _sessions(
    rng: random.Random,
    catalog: Catalog,
    days: list[tuple[str, date, float]],
    by_center: dict[str, list[int]],
    count: int,
    year: int,
) -> list[_Session]:
    """``count`` ordinary citizens, spread over the open days and hours."""
    services = _service_table(catalog)
    cells = rng.choices(days, cum_weights=list(accumulate(d[2] for d in days)), k=count)
    out = []
    for center, day, _weight in cells:
        kiosks_here = by_center[center]
        kiosk = rng.choices(kiosks_here, _KIOSK_WEIGHTS[: len(kiosks_here)])[0]
        choices, cumulative = services[center, day.month]
        service = choices[bisect_right(cumulative, rng.random() * cumulative[-1])]
        score = _score(rng, service.id, center, day, year)
        language = _language(rng)
        session = _Session(_moment(rng, day), kiosk, service, score, language)
        session.reasons = _reasons(rng, catalog, service, score)
        if rng.random() < _COMMENT_CHANCE[score]:
            session.comment = _comment(rng, language, service.id, score)
        out.append(session)
    return out


def _burst_sessions(
    rng: random.Random,
    catalog: Catalog,
    days: list[tuple[str, date, float]],
    by_center: dict[str, list[int]],
    ratings: int,
) -> list[_Session]:
    """Short bursts at one kiosk: one person tapping the same face every few seconds, until
    about :data:`BURST_SHARE` of all ratings are past the kiosk's burst limit."""
    services = _service_table(catalog)
    out: list[_Session] = []
    to_flag = round(ratings * BURST_SHARE)
    while to_flag > 0 and len(out) + BURST_COUNT + 1 <= ratings // 2:
        flagged = min(rng.randint(3, 9), to_flag)
        center, day, _weight = rng.choice(days)
        kiosk = rng.choice(by_center[center])
        choices, cumulative = services[center, day.month]
        service = choices[bisect_right(cumulative, rng.random() * cumulative[-1])]
        score = rng.choice((1, 1, 5, 5, 4))
        language = _language(rng)
        at = _moment(rng, day)
        for _ in range(BURST_COUNT + flagged):
            out.append(_Session(at, kiosk, service, score, language, in_burst=True))
            at += timedelta(seconds=3 + rng.random() * 4)
        to_flag -= flagged
    return out


def _reasons(rng: random.Random, catalog: Catalog, service: Service, score: int) -> tuple[str, ...]:
    """The reasons a citizen picks (often none), in catalog order as the kiosk stores them."""
    band = "low" if score <= catalog.low_max else "high"
    offered = service.reasons_low if band == "low" else service.reasons_high
    if not offered or rng.random() >= _REASONS_CHANCE[band]:
        return ()
    special = _REASON_WEIGHT.get(service.id, {})
    weights = [special.get(rid, 1 / (1 + 0.35 * i)) for i, rid in enumerate(offered)]
    wanted = min(len(offered), rng.choices((1, 2, 3), (0.6, 0.3, 0.1))[0])
    pool = list(range(len(offered)))
    picked: set[int] = set()
    while len(picked) < wanted:
        index = rng.choices(pool, [weights[i] for i in pool])[0]
        picked.add(index)
        pool.remove(index)
    return tuple(offered[i] for i in sorted(picked))


def _comment(rng: random.Random, language: str, service: str, score: int) -> str:
    templates = COMMENTS_KA if language == "ka" else COMMENTS_EN
    if rng.random() < _PERSONAL_DATA_SHARE:
        mood = "!"
    elif score <= 2:
        mood = "-"
    elif score == 3:
        mood = rng.choice("-~~~+")
    else:
        mood = "+" if rng.random() < 0.85 else "~"
    fitting = [t for t in templates if t[0] == mood and (not t[1] or service in t[1])]
    weights = [3.0 if t[1] else 1.0 for t in fitting]
    text = rng.choices(fitting, weights)[0][2]
    return text.format(**_fill(rng, language))


def _fill(rng: random.Random, language: str) -> dict[str, object]:
    """Values for a template's placeholders; personal data is made up."""
    digits = "".join(str(rng.randrange(10)) for _ in range(8))
    phone = rng.choice(
        (
            f"+995 5{digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}",
            f"+9955{digits}",
            f"+995 5{digits[:2]} {digits[2:5]} {digits[5:]}",
        )
    )
    email = (
        f"{rng.choice(_EMAIL_NAMES)}.{rng.choice(_SURNAMES)}{rng.randint(1, 99)}"
        f"@{rng.choice(_EMAIL_DOMAINS)}"
    )
    return {
        "minutes": rng.choice((40, 45, 50, 60, 70, 90)),
        "short": rng.choice((5, 7, 10, 15)),
        "days": rng.randint(5, 40),
        "weeks": rng.randint(2, 6),
        "name": rng.choice(_NAMES[language]),
        "pn": rng.choice(("01", "12", "35", "59", "61")) + f"{rng.randrange(10**9):09d}",
        "phone": phone,
        "email": email,
    }


def _chain(
    rng: random.Random,
    catalog: Catalog,
    kiosk: DemoKiosk,
    sessions: list[_Session],
    plan: DemoPlan,
) -> list[dict[str, Any]]:
    """The kiosk's records, in the order it writes them: sessions follow one another (a new
    citizen starts only after the last one left), burst flags by the kiosk's own rule."""
    out: list[dict[str, Any]] = []
    recent: deque[datetime] = deque()
    free_at: datetime | None = None

    def add(kind: str, at: datetime, rating_uuid: str | None, s: _Session, **values: Any) -> str:
        record_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        record = Record(
            uuid=record_uuid,
            seq=len(out) + 1,
            kind=kind,
            rating_uuid=rating_uuid or record_uuid,
            device_id=kiosk.device_id,
            center_id=kiosk.center_id,
            service_id=s.service.id,
            catalog_version=catalog.version,
            score=values.get("score"),
            reasons=values.get("reasons", ()),
            comment=values.get("comment"),
            language=s.language,
            created_at=format_utc(at),
            utc_offset_min=UTC_OFFSET_MIN,
            flags=values.get("flags", ()),
            prev_hash=out[-1]["hash"] if out else GENESIS_HASH,
        )
        wire = record.to_wire()
        wire["hash"] = record_hash(wire)
        out.append(wire)
        return record_uuid

    for session in sessions:
        at = session.at
        if free_at is not None and at < free_at:
            pause = 2 + rng.random() * (2 if session.in_burst else 40)
            at = free_at + timedelta(seconds=pause)
        while recent and at - recent[0] > BURST_WINDOW:
            recent.popleft()
        recent.append(at)
        flags = (Flag.BURST.value,) if len(recent) > BURST_COUNT else ()
        rating = add(Kind.RATING.value, at, None, session, score=session.score, flags=flags)
        plan.ratings += 1
        plan.burst += bool(flags)
        last = at
        if session.reasons:
            last += timedelta(seconds=4 + rng.random() * 14)
            add(Kind.REASONS.value, last, rating, session, reasons=session.reasons)
            plan.reasons += 1
        if session.comment is not None:
            last += timedelta(seconds=20 + rng.random() * 120)
            add(Kind.COMMENT.value, last, rating, session, comment=session.comment)
            plan.comments += 1
        free_at = last + timedelta(seconds=1 + rng.random() * (1 if session.in_burst else 9))
    return out


# -- storing it -------------------------------------------------------------------------------


def seed_demo(
    engine: Engine,
    ratings: int = 20000,
    seed: int = 7,
    year: int | None = None,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill a migrated database with the demo catalog, centers, kiosks and records.

    ``year``: the year to fill (default: the one before the first run's); the months after it
    up to the day before the first run are filled too. ``now``: the moment of this run.
    """
    if not 1 <= ratings <= MAX_RATINGS:
        raise DemoDataError(f"--ratings must be 1 to {MAX_RATINGS}")
    now = now or utc_now()
    catalog_bytes = demo_catalog_bytes()
    catalog = loads_catalog(catalog_bytes, "demo catalog")
    kiosk_list = demo_kiosks(catalog, seed)
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        first_run = _first_received(conn, kiosk_list) or now
    as_of = first_run.astimezone(MUNICIPAL_TIME).date()
    year = as_of.year - 1 if year is None else year
    if not FIRST_YEAR <= year <= as_of.year:
        raise DemoDataError(f"--year must be {FIRST_YEAR} to {as_of.year}, not {year}")
    plan = make_plan(catalog, ratings, seed, year, as_of)
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        catalog_there = _check_database(conn, plan, etag_of(catalog_bytes))
    summary = DemoSummary(plan)
    if not catalog_there:
        store_catalog(engine, catalog_bytes, None)
        summary.catalog_loaded = True
    summary.new_centers = _add_centers(engine, catalog)
    senders, keys = _add_kiosks(engine, plan.kiosks, now)
    summary.new_kiosks = len(keys)
    for kiosk in plan.kiosks:
        chain = plan.records[kiosk.device_id]
        _store(engine, senders[kiosk.name], keys.get(kiosk.name), chain, seed, now, summary)
    log.info("demo data: %s", summary.line())
    return summary


def _first_received(conn: Connection, kiosk_list: Sequence[DemoKiosk]) -> datetime | None:
    """When the demo records were first received: the first run, whose day ends the data."""
    devices = [kiosk.device_id for kiosk in kiosk_list]
    found: datetime | None = conn.execute(
        select(func.min(records.c.received_at)).where(records.c.device_id.in_(devices))
    ).scalar()
    return found


def _check_database(conn: Connection, plan: DemoPlan, catalog_etag: str) -> bool:
    """Refuse, before anything is written, what demo-data cannot fill without harm; True when
    the demo catalog is already the default one."""
    center_ids = {kiosk.center_id for kiosk in plan.kiosks}
    loaded = dict(
        conn.execute(
            select(catalogs.c.scope, catalogs.c.etag).where(
                catalogs.c.scope.in_([DEFAULT_CATALOG_SCOPE, *center_ids])
            )
        ).all()
    )
    if any(etag != catalog_etag for etag in loaded.values()):
        raise DemoDataError(
            "this database already has another catalog for the demo centers; demo data needs "
            "a database of its own (e.g. --db sqlite:///demo.db)"
        )
    for kiosk in plan.kiosks:
        rows = conn.execute(
            select(kiosks.c.name, kiosks.c.device_id, kiosks.c.status).where(
                (kiosks.c.name == kiosk.name) | (kiosks.c.device_id == kiosk.device_id)
            )
        ).all()
        for row in rows:
            enrolled = row.device_id == kiosk.device_id and row.status == "active"
            interrupted = row.device_id is None and row.status == "pending"
            if row.name != kiosk.name or not (enrolled or interrupted):
                raise DemoDataError(
                    f"kiosk {row.name!r} is already there with another device or status (demo "
                    "data made with another --seed?); use a fresh database or the first run's "
                    "seed"
                )
        chain = plan.records[kiosk.device_id]
        last = conn.execute(
            select(records.c.seq, records.c.hash)
            .where(records.c.device_id == kiosk.device_id)
            .order_by(records.c.seq.desc())
            .limit(1)
        ).first()
        if last is not None and (last.seq > len(chain) or chain[last.seq - 1]["hash"] != last.hash):
            raise DemoDataError(
                f"the records already stored for kiosk {kiosk.name!r} differ from what these "
                "options make (another --ratings, --year or --seed?); use the first run's "
                "options or a fresh database"
            )
    return DEFAULT_CATALOG_SCOPE in loaded


def _add_centers(engine: Engine, catalog: Catalog) -> int:
    with engine.connect() as conn:
        there = set(conn.execute(select(centers.c.id)).scalars())
    added = 0
    for center in catalog.centers:
        if center.id not in there:
            add_center(engine, center.id, center.name.ka, center.name.en)
            added += 1
    return added


def _add_kiosks(
    engine: Engine, kiosk_list: Sequence[DemoKiosk], now: datetime
) -> tuple[dict[str, _Sender], dict[str, Ed25519PrivateKey]]:
    """Each demo kiosk added by staff and enrolled with its device id and a fresh key; the
    keys of those enrolled now, by kiosk name."""
    keys = {}
    for kiosk in kiosk_list:
        with engine.connect() as conn:
            status = conn.execute(select(kiosks.c.status).where(kiosks.c.name == kiosk.name))
            current = status.scalar()
        if current == "active":
            continue
        if current is None:
            code = add_kiosks(engine, [kiosk.name], kiosk.center_id)[0].code
        else:  # added by a run interrupted before it enrolled the kiosk
            code = reenroll_kiosk(engine, kiosk.name).code
        keys[kiosk.name] = _enroll(engine, kiosk.name, kiosk.device_id, code, now)
    with engine.connect() as conn:
        rows = conn.execute(
            select(kiosks.c.id, kiosks.c.name, kiosks.c.center_id, kiosks.c.device_id).where(
                kiosks.c.name.in_([kiosk.name for kiosk in kiosk_list])
            )
        ).all()
    senders = {row.name: _Sender(row.id, row.name, row.center_id, row.device_id) for row in rows}
    return senders, keys


def _enroll(
    engine: Engine, name: str, device_id: str, code: str, now: datetime
) -> Ed25519PrivateKey:
    """Enroll the kiosk with a fresh key, in force from ``now``: the moment its records and
    signed heads are received."""
    key = Ed25519PrivateKey.generate()
    request = EnrollRequest(
        code=code,
        device_id=device_id,
        public_key=public_key_b64(key),
        app_version=f"{__version__} demo-data",
    )
    try:
        enroll(engine, request, "127.0.0.1", bound_at=now)
    except ApiError as exc:
        raise DemoDataError(f"kiosk {name!r} could not be enrolled: {exc}") from None
    return key


def _store(
    engine: Engine,
    sender: _Sender,
    key: Ed25519PrivateKey | None,
    chain: list[dict[str, Any]],
    seed: int,
    now: datetime,
    summary: DemoSummary,
) -> None:
    """The kiosk's records through :func:`receive_records`, :data:`CHUNK` per transaction, each
    chunk kept as a batch with its signed head.

    ``key``: the kiosk's key when it was enrolled by this run. A chunk whose head is not kept
    yet needs one; without it the kiosk is enrolled again for a new key.
    """
    chunks = {}
    for start in range(0, len(chain), CHUNK):
        chunk = chain[start : start + CHUNK]
        chunks[f"demo-data-{seed}-{chunk[0]['seq']}-{chunk[-1]['seq']}"] = chunk
    with engine.connect() as conn:
        signed = set(
            conn.execute(
                select(batches.c.batch_id).where(
                    batches.c.device_id == sender.device_id, batches.c.batch_id.in_(list(chunks))
                )
            ).scalars()
        )
    if key is None and set(chunks) - signed:
        code = reenroll_kiosk(engine, sender.name).code
        key = _enroll(engine, sender.name, sender.device_id, code, now)
    for batch_id, chunk in chunks.items():
        with engine.begin() as conn:
            received = receive_records(
                conn, sender, chunk, batch_id, now, center_id=sender.center_id
            )
            if batch_id not in signed:
                assert key is not None
                _keep_head(conn, sender, key, batch_id, chunk[-1], received, now)
        summary.stored += received.count(STORED)
        summary.duplicate += received.count(DUPLICATE)
        summary.rejected += received.count(REJECTED)
        for reason, count in received.reasons().items():
            summary.rejections[reason] = summary.rejections.get(reason, 0) + count


def _keep_head(
    conn: Connection,
    sender: _Sender,
    key: Ed25519PrivateKey,
    batch_id: str,
    head: dict[str, Any],
    received: Received,
    now: datetime,
) -> None:
    """The chunk as a batch its kiosk signed, as :mod:`server.batches` keeps an upload's."""
    signature = key.sign(head_message(sender.device_id, head["seq"], head["hash"]))
    keep_batch(conn, sender, batch_id, (head["seq"], head["hash"], b64(signature)), received, now)
