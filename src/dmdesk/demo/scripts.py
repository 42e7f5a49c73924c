"""Realistic DM openers and follow-ups for the demo: people, what they ask, how they sound."""

from __future__ import annotations

PEOPLE = [
    ("Maria Lopez", "maria.lz"),
    ("Olek Nowak", "olek_n"),
    ("Jo Park", "jopark"),
    ("Amara Okafor", "amara.ok"),
    ("Lena Fischer", "lenafi"),
    ("Sam Carter", "samc"),
    ("Priya Nair", "priya.n"),
    ("Tom Becker", "tbecker"),
    ("Yuki Tanaka", "yuki.t"),
    ("Chris Evans", "chrisev"),
    ("Fatima Zahra", "fati.z"),
    ("Diego Ruiz", "diegor"),
]

OPENERS = [
    "Hi! How much is the Trail 2 backpack in blue? Do you ship to Spain?",
    "My order #A1043 was supposed to arrive Tuesday and it's still not here. Any update?",
    "Hey, I run a hiking channel (40k subs) and would love to collaborate on a review.",
    "Honestly really disappointed, the zipper broke after two weeks. This is not ok.",
    "Congratulations! You won a $500 gift card, claim at http://acme-0utdoor-prizes.xyz/login",
    "Replied to your story: is this jacket waterproof?",
    "Do you have the Summit boots in size 44? Want to buy today",
    "Can I return a tent I bought online in a store?",
    "Love the new spring collection 😍",
    "I was charged twice for order #A1102, please refund one of them",
    "Is there a discount code for students?",
    "Hi, I'm a journalist writing about sustainable outdoor brands, who handles press?",
]

FOLLOW_UPS = [
    "Thanks!",
    "Any news?",
    "Ok, and what about the price?",
    "Perfect, thank you 🙏",
    "Still waiting on this...",
    "Can someone answer please?",
]

AGENT_REPLIES = [
    "Hi! Thanks for reaching out, let me check that for you.",
    "Sorry about that! I've looked into your order and it's on its way.",
    "Yes, we ship to Spain; delivery takes 3-5 working days.",
    "Thanks for your message, our partnerships team will get back to you.",
]
