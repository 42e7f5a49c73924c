"""Links in a message: extraction (with bare domains) and what looks wrong about each one.

Flags: punycode, mixed-script/homoglyph, zero-width characters, shortener, IP host, risky
top-level domain, and look-alikes of well-known brands or of the workspace's own brands.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache

from dmdesk.domain.triage import LinkFinding
from dmdesk.triage.normalize import ZERO_WIDTH, fold_confusables, has_mixed_scripts, skeleton

_TLDS = (
    "com|net|org|info|biz|io|co|me|ly|gl|gd|to|us|uk|de|fr|es|it|nl|ru|cn|in|br|au|ca|eu|"
    "xyz|top|club|site|online|shop|store|app|link|click|live|vip|win|bid|loan|work|zip|mov|"
    "tk|ml|ga|cf|gq|cc|ws|su|pw|icu|cyou|rest|support|help|page|art|tv|be|ch|se|pl|id"
)
URL = re.compile(
    r"(?:https?://|hxxps?://|www\.)[^\s<>\"'()]+"
    rf"|(?<![@\w.-])(?:[\w-]+\.)+(?:{_TLDS}|xn--[a-z0-9-]+)\b(?:/[^\s<>\"'()]*)?",
    re.IGNORECASE,
)
# t.co is not here: X wraps every shared link in it, so on X it says nothing about the sender.
SHORTENERS = frozenset(
    [
        "bit.ly",
        "tinyurl.com",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "cutt.ly",
        "rb.gy",
        "shorturl.at",
        "t.ly",
        "tiny.cc",
        "rebrand.ly",
        "bl.ink",
        "s.id",
        "v.gd",
        "qr.ae",
        "lnkd.in",
        "trib.al",
        "soo.gd",
        "shorte.st",
        "adf.ly",
        "clck.ru",
        "u.to",
        "x.co",
        "bitly.com",
        "short.io",
        "tiny.one",
        "rotf.lol",
    ]
)
RISKY_TLDS = frozenset(
    [
        "xyz",
        "top",
        "club",
        "online",
        "site",
        "shop",
        "click",
        "live",
        "vip",
        "win",
        "bid",
        "loan",
        "work",
        "zip",
        "mov",
        "tk",
        "ml",
        "ga",
        "cf",
        "gq",
        "icu",
        "cyou",
        "rest",
        "support",
        "help",
        "su",
        "pw",
    ]
)
BRANDS = (
    "paypal",
    "apple",
    "icloud",
    "amazon",
    "microsoft",
    "outlook",
    "office365",
    "google",
    "gmail",
    "netflix",
    "facebook",
    "instagram",
    "whatsapp",
    "meta",
    "tiktok",
    "twitter",
    "telegram",
    "linkedin",
    "dropbox",
    "docusign",
    "spotify",
    "steam",
    "ebay",
    "dhl",
    "fedex",
    "usps",
    "royalmail",
    "hsbc",
    "barclays",
    "chase",
    "wellsfargo",
    "santander",
    "revolut",
    "monzo",
    "coinbase",
    "binance",
    "metamask",
    "visa",
    "mastercard",
    "amex",
)
_CANDIDATE = re.compile(r"[^\s<>\"'()]*\w\.\w[^\s<>\"'()]*")
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac"})
_IP_HOST = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def _host(url: str) -> str:
    rest = re.sub(r"^(?:https?|hxxps?)://", "", url, flags=re.IGNORECASE)
    host = re.split(r"[/?#:]", rest, maxsplit=1)[0].lower().rstrip(".")
    return host.removeprefix("www.")


def _registrable(host: str) -> tuple[str, list[str]]:
    """The label a registrant chose (`paypal` in `login.paypal.co.uk`) and the labels before."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3], labels[:-3]
    if len(labels) >= 2:
        return labels[-2], labels[:-2]
    return host, []


def _decode_punycode(host: str) -> str:
    out = []
    for label in host.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        out.append(label)
    return ".".join(out)


def _near(a: str, b: str) -> bool:
    """One substitution, insertion or deletion apart (for names of five letters or more)."""
    if a == b or min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@lru_cache(maxsize=8192)
def lookalike_of(host: str, brands: tuple[str, ...]) -> str | None:
    """The brand a host imitates, or None when it is the brand's own domain or unrelated."""
    shown = _decode_punycode(host)
    label, subdomains = _registrable(shown)
    label_skeleton = skeleton(label)
    for brand in brands:
        target = skeleton(brand)
        if len(target) < 3:
            continue
        if label.replace("-", "") == brand:
            return None
        if label_skeleton == target or _near(label_skeleton, target):
            return brand
        if len(target) >= 4 and target in label_skeleton:
            return brand
        if any(skeleton(s) == target for s in subdomains):
            return brand
    return None


def _flags(host: str, brands: tuple[str, ...]) -> list[str]:
    flags = []
    if "xn--" in host:
        flags.append("punycode link")
    if not host.isascii() or has_mixed_scripts(host):
        flags.append("homoglyph link")
    if host in SHORTENERS:
        flags.append("shortened link")
    if _IP_HOST.match(host):
        flags.append("ip address link")
    if host.rsplit(".", 1)[-1] in RISKY_TLDS:
        flags.append("risky top-level domain")
    brand = lookalike_of(host, brands)
    if brand is not None:
        flags.append(f"lookalike domain {host} ({brand})")
    return flags


def find_links(text: str, *, brand_names: tuple[str, ...] = ()) -> tuple[LinkFinding, ...]:
    """Every link and bare domain, de-duplicated, each with its flags."""
    if "." not in text:
        return ()
    hidden = not text.isascii() and bool(ZERO_WIDTH.search(text))
    visible = ZERO_WIDTH.sub("", text) if hidden else text
    own = tuple(fold_confusables(b).replace(" ", "") for b in brand_names if b.strip())
    brands = own + BRANDS
    found: dict[str, LinkFinding] = {}
    for candidate in _CANDIDATE.findall(visible):
        m = URL.search(candidate)
        if m is None:
            continue
        url = m.group().rstrip(".,;:!?")
        host = _host(url)
        if not host or url in found or "." not in host:
            continue
        flags = _flags(host, brands)
        if hidden and url not in text:
            flags.append("zero-width characters in link")
        found[url] = LinkFinding(url=url, domain=host, flags=tuple(flags))
        if len(found) >= 50:
            break
    return tuple(found.values())
