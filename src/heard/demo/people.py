"""Names and contact details for the demo's agents and customers (all invented)."""

from __future__ import annotations

import random

AGENT_NAMES = (
    "Priya Shah",
    "Marcus Lee",
    "Dana Okafor",
    "Tomasz Nowak",
    "Aisha Bello",
    "Sam Whitfield",
    "Lucia Romero",
    "Kenji Watanabe",
    "Grace Mensah",
    "Owen Price",
    "Fatima Haddad",
    "Leo Martins",
    "Hannah Kovacs",
    "Ravi Patel",
    "Chloe Dubois",
    "Ade Adeyemi",
    "Mei Lin",
    "Jonas Berg",
    "Sofia Marino",
    "Ben Carter",
)
CUSTOMER_FIRST = (
    "Renata",
    "Angela",
    "Kevin",
    "Margaret",
    "Jamal",
    "Olivia",
    "Hiroshi",
    "Nadia",
    "Peter",
    "Esther",
    "Carlos",
    "Ingrid",
    "Tunde",
    "Sarah",
    "Mohammed",
    "Julia",
    "Arjun",
    "Chen",
    "Eleanor",
    "Diego",
    "Fiona",
    "Gabriel",
    "Yara",
    "Liam",
    "Zoe",
    "Bogdan",
    "Amara",
    "Victor",
    "Helen",
    "Rashid",
)
CUSTOMER_LAST = (
    "Alvarez",
    "Brooks",
    "Tran",
    "Collins",
    "Wright",
    "Nakamura",
    "Osei",
    "Fischer",
    "Kowalski",
    "Reyes",
    "Lindqvist",
    "Adebayo",
    "Hughes",
    "Rahman",
    "Moreau",
    "Singh",
    "Zhang",
    "Bennett",
    "Castillo",
    "Murphy",
    "Petrov",
    "Eze",
    "Silva",
    "Hoffman",
    "Quinn",
)
BRANDS = {"Billing": "Larkspur Home", "Deliveries": "Larkspur Home"}
DEFAULT_BRAND = "Larkspur Home"


def email_of(name: str, *, domain: str = "example.com") -> str:
    return ".".join(name.lower().split()) + "@" + domain


def customer_email(rng: random.Random, name: str) -> str:
    first, last = name.lower().split()
    local = rng.choice((f"{first}.{last}", f"{first}{last[0]}", f"{first[0]}{last}"))
    return f"{local}{rng.choice(('', str(rng.randint(1, 99))))}@{rng.choice(_MAIL)}"


_MAIL = ("example.com", "example.net", "example.org")


def phone_number(rng: random.Random) -> str:
    """A number from the ranges reserved for drama and fiction (UK 07700 900xxx, US 555-01xx)."""
    if rng.random() < 0.5:
        return f"07700 900{rng.randint(0, 999):03d}"
    return f"(201) 555-01{rng.randint(0, 99):02d}"


def card_number(rng: random.Random) -> str:
    """A 16-digit Visa-style number that passes the Luhn check (never issued: test prefix)."""
    digits = [4, 0, 0, 0] + [rng.randint(0, 9) for _ in range(11)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    digits.append((10 - total % 10) % 10)
    text = "".join(map(str, digits))
    return " ".join(text[i : i + 4] for i in range(0, 16, 4))
