"""The moves of a demo conversation that fit any scenario: openers and answer tags by mood,
acknowledgements, reflections, empathy and its dismissive opposite, repeat-asks, paraphrase
openers, checks, the customer's reactions, greetings, closings and afterthoughts.
"""

from __future__ import annotations

MOOD_OPENERS: dict[str, tuple[str, ...]] = {
    "angry": (
        "This is ridiculous.",
        "I'm absolutely furious.",
        "This is unacceptable.",
        "Honestly, this is the worst service I've had.",
        "I'm fed up.",
    ),
    "worried": (
        "I'm really worried about this.",
        "I'm quite anxious about this.",
        "I'm so stressed about this.",
        "I'm a bit nervous about this, to be honest.",
    ),
    "confused": (
        "I'm confused.",
        "I don't understand what's going on.",
        "Sorry, I'm a bit lost with this.",
        "This makes no sense to me.",
    ),
    "calm": ("", "Hello.", "Hi there.", "Good morning."),
    "happy": ("Hi! Hope you're well.", "Hello, lovely to get through so quickly!", "Hi there!"),
}
MOOD_ANSWER_TAGS: dict[str, tuple[str, ...]] = {
    "angry": ("And I've waited long enough.", "This is the second time this has happened.", ""),
    "worried": ("It's been on my mind all week.", "I'm so stressed about it.", ""),
    "confused": ("I don't understand why.", "", ""),
    "calm": ("", ""),
    "happy": ("", "Thanks for checking!"),
}

ACKNOWLEDGEMENTS = (
    "I see.",
    "Okay, got it.",
    "Thanks for explaining.",
    "Understood.",
    "Thank you for the details.",
    "Right, I see.",
    "Okay, thanks for letting me know.",
)
"""Opening words of a reply that show the agent heard the customer."""
COLD_STARTS = ("Hello.", "Hi.", "Hello again.", "")
"""Opening words of a reply that acknowledge nothing."""

REFLECTIONS: dict[str, tuple[str, ...]] = {
    "angry": (
        "That sounds really frustrating.",
        "I can hear how frustrated you are.",
        "You're understandably annoyed, and rightly so.",
    ),
    "worried": (
        "That sounds really worrying.",
        "I can tell you're worried about this.",
        "It sounds like this has been stressful.",
    ),
    "confused": (
        "That sounds confusing.",
        "I can see how confusing this must be.",
        "It must be confusing to see that.",
    ),
}
EMPATHY: dict[str, tuple[str, ...]] = {
    "angry": (
        "I'm so sorry we've put you through this.",
        "I completely understand why you're upset, and I'm sorry.",
        "That's our mistake, and I'm sorry.",
    ),
    "worried": (
        "That's a completely fair worry. Please don't worry, I'll sort this out.",
        "I understand why you're concerned. Rest assured, I'll get this sorted.",
    ),
    "confused": (
        "I completely understand why that's unclear. Don't worry, it's easy to put right.",
        "Anyone would be puzzled by that, and I'm sorry. I'll make sure it's clear.",
    ),
}
DISMISSIVE: dict[str, tuple[str, ...]] = {
    "angry": (
        "Please calm down.",
        "There's nothing I can do about that part.",
        "That's just our policy.",
        "You should have checked the details when you ordered.",
    ),
    "any": (
        "That's our policy, I'm afraid.",
        "There's nothing we can do about the delay.",
        "It's not a big deal.",
        "You should have read the terms.",
    ),
}
REPEAT_ASKS: dict[str, tuple[str, ...]] = {
    "order": ("Can I have your order number?", "Can you give me the order number?"),
    "email": ("Could you give me your email address?",),
    "phone": ("Can I take your phone number?",),
}
REPEAT_ANSWERS: dict[str, tuple[str, ...]] = {
    "order": ("I already gave it: {order}.", "I just told you, it's {order}."),
    "email": ("I already gave it, it's {email}.",),
    "phone": ("I already said, it's {phone}.",),
}
CONFIRMS: dict[str, tuple[str, ...]] = {
    "order": ("I've got order {order} open here.", "I have order {order} in front of me."),
    "email": ("I'll use {email} for the confirmation.",),
    "phone": ("I'll text the update to {phone}.",),
}
PARAPHRASE_OPENERS = ("So ", "So, ", "It sounds like ", "What I'm hearing is ")
CHECKS = (" Is that right?", " Have I got that right?", "")
RESOLUTION_CHECKS = (
    "Does that solve it for you?",
    "Does that sort it out?",
    "Is everything clear now?",
    "Does that fix things on your side?",
    "Let me know if that works for you.",
)
NO_CHECK = ("That's all done on our side.", "That's everything on my end.", "")
"""Closings that do not check the problem is solved. "Is there anything else?" would: it is a
resolution check in docs/annotation.md (and to the contact-centre lead of issue 19)."""
CUSTOMER_THANKS = (
    "That's great, thank you so much.",
    "Perfect, that's a relief. Thanks!",
    "Brilliant, thanks for your help.",
    "Yes, that works. Much appreciated.",
)
CUSTOMER_UNHAPPY = (
    "Fine. I'm still not happy about this.",
    "Okay, I suppose. Not great, though.",
    "Whatever. I just want it sorted.",
    "I'm disappointed, honestly.",
)
CUSTOMER_OKAY = ("Okay.", "Okay, thanks.", "Alright.")
CLOSINGS_CALL = (
    "Thanks for calling {brand}, {name}. Take care.",
    "Thanks for calling, and have a good evening.",
    "Thank you for your time. Goodbye.",
)
CLOSINGS_CHAT = (
    "Thanks for chatting with us, take care.",
    "Glad I could help, {name}. Take care.",
    "Thanks for your time. Bye for now.",
)
GREETINGS_CALL = (
    "Thank you for calling {brand}, this is {agent}.",
    "Hello, you're through to {brand}, {agent} speaking.",
)
GREETINGS_CHAT = (
    "Hi, you're chatting with {agent} from {brand}.",
    "Hello, this is {agent} at {brand}, here to help.",
)
CALL_INTRODUCTIONS = ("Hi, it's {customer}.", "Hello, my name is {customer}.", "It's {customer}.")
IGNORING_REPLIES = (
    "Is there anything else I can help with?",
    "Can I help with something else today?",
    "Would you like to hear about our membership offers?",
)
"""A reply to the customer's question that answers none of it."""
NOT_ANSWERED = (
    "You didn't answer my question. {question}",
    "That's not what I asked. {question}",
)
"""The customer raises a question again after a reply that ignored it."""
AFTERTHOUGHTS = ("Sorry, hit enter too early.", "And that's all I know, really.")
"""The second half of a chat answer when the first half was one sentence."""
CHAT_INTERJECTIONS = (
    "Let me look.",
    "Checking now.",
)
"""What an agent types while the customer is still writing (talk-over in chat)."""
