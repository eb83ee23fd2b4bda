"""The demo team's scenario library: what customers call about, in several phrasings each
(`heard.demo.scenario` says what a scenario holds and which slots its templates fill;
`heard.demo.moves` holds the moves that fit any scenario).
"""

from __future__ import annotations

from heard.demo.scenario import BILLING, DELIVERIES, Concern, Scenario

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        key="double_charge",
        title="Charged twice for one order",
        team=BILLING,
        moods=("angry", "worried", "confused", "calm"),
        items=("air fryer", "desk lamp", "coffee grinder", "rug", "bookcase"),
        openings=(
            "I've been charged twice for order {order}. Two payments of {amount} left my card "
            "ending {last4} on {weekday}.",
            "My bank statement shows {amount} taken twice on {weekday} for the {item}, order "
            "{order}. I only bought one.",
            "You took {amount} from my card twice for order {order} on {weekday}, for a single "
            "{item}.",
        ),
        paraphrases=(
            "the {amount} payment came out of your account twice on {weekday} when you only "
            "made a single purchase",
            "you were billed double, {amount} twice on {weekday}, for just a single purchase",
        ),
        open_questions=(
            "What does the second payment look like on your statement?",
            "How does the second charge show up in your banking app?",
        ),
        closed_questions=(
            "Did you click the pay button twice?",
            "Could it be a pending authorisation?",
        ),
        answers=(
            "Both say {brand} and both are marked as completed, not pending.",
            "They're both on {weekday}, a few minutes apart, and both have gone through.",
        ),
        actions=(
            "I can see both payments of {amount} for order {order}, and I've refunded the "
            "second one to your card ending {last4} just now.",
            "The duplicate {amount} on order {order} was our mistake, and I've sent it back to "
            "the card ending {last4} today.",
        ),
        generic_actions=(
            "I've raised a refund request for the extra payment.",
            "The extra payment has been passed to the payments team to be returned.",
        ),
        jargon=(
            "I've logged it for a chargeback reversal and the remittance goes back via the "
            "PSP in the next batch.",
            "It's a duplicate auth on the gateway, so I've flagged it for L2 to void.",
        ),
        concerns=(
            Concern(
                "How long until the money is back in my account?",
                "The money should be back in your account within 3 to 5 working days.",
            ),
            Concern(
                "Will this happen again next time I order?",
                "It won't happen again on your next order: the double payment came from a fault "
                "we fixed this week.",
            ),
        ),
        subject="Charged twice for order {order}",
    ),
    Scenario(
        key="late_refund",
        title="Refund not received",
        team=BILLING,
        moods=("angry", "worried", "calm", "confused"),
        items=("blender", "jacket", "kettle", "office chair", "stand mixer"),
        openings=(
            "I returned the {item} from order {order} {days} days ago and I still haven't got "
            "my {amount} refund.",
            "The {item} went back to you {days} days ago, order {order}, and there's no sign of "
            "the {amount} refund.",
            "I sent the {item} back {days} days ago. Order {order}. Where is my {amount} refund?",
        ),
        paraphrases=(
            "you posted the {item} back {days} days ago and the money for it hasn't reached you "
            "yet",
            "it's been {days} days since the {item} was returned and you're still waiting on "
            "your money",
        ),
        open_questions=(
            "What did the return confirmation say when you sent it back?",
            "How did you send the {item} back to us?",
        ),
        closed_questions=(
            "Did you get a return receipt?",
            "Have you checked your bank account this morning?",
        ),
        answers=(
            "I dropped it at the {courier} shop on {weekday} and they gave me a receipt.",
            "It went by {courier} and the tracking says you signed for it on {weekday}.",
        ),
        actions=(
            "The {item} arrived at our warehouse on {weekday}, and I've pushed the {amount} "
            "refund through to your card today.",
            "I can see the {item} from order {order} was checked in on {weekday}, so I've "
            "released the {amount} refund now.",
        ),
        generic_actions=(
            "I've chased the refund with the returns team.",
            "The refund has been requested and will be processed.",
        ),
        jargon=(
            "The RMA was stuck in back-office reconciliation, so I've pushed the remittance "
            "through.",
            "It's pending escrow release until the RMA closes on the backend.",
        ),
        concerns=(
            Concern(
                "Will I get the return postage back too?",
                "Yes, the {amount2} return postage is included, on top of the refund.",
            ),
            Concern(
                "When will I actually see the money?",
                "You'll see the money on your statement within 2 working days.",
            ),
        ),
        subject="Refund for order {order}",
    ),
    Scenario(
        key="price_rise",
        title="Unexpected increase on a subscription bill",
        team=BILLING,
        moods=("angry", "confused", "calm", "worried"),
        items=("subscription", "membership", "plan"),
        openings=(
            "My {plan} subscription went up from {old_amount} to {amount} this month and nobody "
            "told me about it.",
            "This month's bill for the {plan} plan is {amount} instead of the usual {old_amount}. "
            "Why has it changed?",
            "I was charged {amount} on the {day} for my {plan} membership. It's always been "
            "{old_amount}.",
        ),
        paraphrases=(
            "your {plan} bill jumped without any warning and you'd like to know why",
            "you're being charged more for {plan} than you've always paid, and that came as a "
            "surprise",
        ),
        open_questions=(
            "What were you expecting to pay this month?",
            "What have our recent letters and emails told you about it?",
        ),
        closed_questions=(
            "Did you read our email about prices?",
            "Did you add anything to your plan?",
        ),
        answers=(
            "I haven't changed anything. I just use the {plan} plan like I always have.",
            "There was no email about prices, I checked my inbox and spam.",
        ),
        actions=(
            "The {plan} plan went up on the {day}, and I can see the notice never reached you, "
            "so I've credited the difference back for this month.",
            "It's true that the {plan} price changed on the {day}. Since you weren't told, "
            "I've refunded the difference on this bill.",
        ),
        generic_actions=(
            "Prices are reviewed every year and the new price applies to all customers.",
            "The new price is in our terms and conditions.",
        ),
        jargon=(
            "Your tier was re-rated in the billing cycle, so the delta is pro-rated from the "
            "renewal.",
            "The ARPU uplift hit your tier at renewal, and the pro rata credit is applied on "
            "the backend.",
        ),
        concerns=(
            Concern(
                "Can I move to a cheaper plan instead?",
                "Yes, you can move to the Basic plan, and the cheaper plan starts from your next "
                "bill.",
            ),
            Concern(
                "Why wasn't I told about the price change?",
                "The email about the price change should have reached you, and it failed to "
                "send for some customers.",
            ),
        ),
        subject="Why did my {plan} bill go up?",
        amounts=(14, 45),
    ),
    Scenario(
        key="account_lockout",
        title="Locked out of the account",
        team=BILLING,
        moods=("angry", "worried", "confused", "calm"),
        items=("account", "online account", "app login"),
        openings=(
            "I'm locked out of my account after the password reset email never came. I need to "
            "pay my {amount} bill by {weekday}.",
            "My account is locked since {weekday} and I can't pay the {amount} bill that's due.",
            "The app says my account is locked and the reset link doesn't arrive. My {amount} "
            "payment is due {weekday}.",
        ),
        paraphrases=(
            "the lock means the {amount} bill can't be paid",
            "the lock is stopping you paying the {amount} bill on time",
        ),
        open_questions=(
            "What happens when you try to sign in?",
            "What does the screen say when you request the reset link?",
        ),
        closed_questions=(
            "Is your email address spelled correctly?",
            "Have you tried clearing your cookies?",
        ),
        answers=(
            "It says too many attempts and to try again later, but trying later changes nothing.",
            "It says a link has been sent, but nothing comes, not even in spam.",
        ),
        actions=(
            "I've unlocked the account and sent a fresh reset link, so you can pay the {amount} "
            "before {weekday}.",
            "The lock came from too many attempts, I've cleared it and you can pay the {amount} "
            "today.",
        ),
        generic_actions=(
            "The account has been unlocked.",
            "I have reset the access on the account.",
        ),
        jargon=(
            "Your SSO token was revoked, so I've re-provisioned the authenticator and "
            "whitelisted your device.",
            "The IdP flagged a lockout, so I've cleared the 2FA flag on the backend.",
        ),
        concerns=(
            Concern(
                "Will I get a late fee if I can't pay on time?",
                "There won't be a late fee: I've noted the lock on the account, so the payment "
                "counts as on time.",
            ),
            Concern(
                "Is my account safe, or has someone tried to get in?",
                "Your account is safe: the attempts all came from your own phone.",
            ),
        ),
        subject="Locked out, bill due {weekday}",
    ),
    Scenario(
        key="cancellation",
        title="Cancelling a subscription",
        team=BILLING,
        moods=("angry", "calm", "happy", "confused"),
        items=("subscription", "membership", "box plan"),
        openings=(
            "I'd like to cancel my {plan} subscription before the {amount} renewal on the {day}.",
            "Please cancel my {plan} membership. The {amount} renewal is due on the {day} and I "
            "don't want it.",
            "I want to stop the {plan} plan before it renews for {amount} on the {day}.",
        ),
        paraphrases=(
            "you'd like the {plan} plan stopped so the {amount} renewal doesn't go out",
            "you want to end the {plan} subscription before it renews",
        ),
        open_questions=(
            "What made you decide to cancel?",
            "What could we have done better for you?",
        ),
        closed_questions=(
            "Would you like a discount to stay?",
            "Are you sure you want to cancel?",
        ),
        answers=(
            "I'm moving abroad in a few weeks, so I won't be using it.",
            "Honestly I just don't use it enough to justify {amount}.",
        ),
        actions=(
            "I've cancelled the {plan} plan, and the {amount} renewal on the {day} won't be taken.",
            "Your {plan} subscription is cancelled, so nothing will be charged on the {day}.",
        ),
        generic_actions=(
            "The cancellation has been processed.",
            "I have cancelled it.",
        ),
        jargon=(
            "I've set the churn flag and the auto-renew is suppressed at the billing node.",
            "I've actioned the termination, so autopay is suppressed pending the CRM sync.",
        ),
        concerns=(
            Concern(
                "Do I keep access until the end of the month?",
                "Yes, you keep access until the end of the month, right up to the {day}.",
            ),
            Concern(
                "Will you delete my saved card details?",
                "Yes, your saved card details are deleted as soon as the cancellation goes "
                "through.",
            ),
        ),
        subject="Cancel my {plan} plan",
        amounts=(9, 40),
    ),
    Scenario(
        key="payment_declined",
        title="Payment declined at checkout",
        team=BILLING,
        moods=("angry", "worried", "confused", "calm"),
        items=("sofa", "washing machine", "laptop", "fridge"),
        openings=(
            "My card ending {last4} keeps getting declined when I try to pay {amount} for the "
            "{item}. The bank says it's fine.",
            "Checkout declined my card three times for the {amount} {item} and my bank can't see "
            "any attempts.",
            "I'm trying to buy the {item} for {amount} and the payment fails every time.",
        ),
        paraphrases=(
            "your bank is happy with the card, but our checkout keeps refusing the {amount} "
            "payment for the {item}",
            "the {item} payment fails on our side even though nothing is wrong with your card",
        ),
        open_questions=(
            "What does the screen tell you when the payment fails?",
            "What happens on the screen right after you press pay?",
        ),
        closed_questions=(
            "Is the billing address the same as on the card?",
            "Did you enter the security code?",
        ),
        answers=(
            "It just says payment could not be completed and to try another card.",
            "It spins for a while and then shows a code 05.",
        ),
        actions=(
            "Our fraud check stopped the {amount} payment for the {item}, and I've approved it, "
            "so you can try the card ending {last4} again now.",
            "I've cleared the block on the {amount} {item} payment, and it will go through if "
            "you try again.",
        ),
        generic_actions=(
            "Please try a different card or payment method.",
            "I've passed it to the payments team.",
        ),
        jargon=(
            "It's a 3DS soft decline from the acquirer, so I've whitelisted the BIN on our side.",
            "The AVS mismatch tripped the risk engine, I've raised it with L2.",
        ),
        concerns=(
            Concern(
                "Will the {item} still be in stock if I wait?",
                "The {item} is still in stock, and I've held one for you until tomorrow.",
            ),
            Concern(
                "Have I been charged for the failed attempts?",
                "You haven't been charged for the failed attempts: none of them went through.",
            ),
        ),
        subject="Card declined for {item}",
    ),
    Scenario(
        key="returned_but_billed",
        title="Billed for an item already returned",
        team=BILLING,
        moods=("angry", "confused", "calm", "worried"),
        items=("coat", "printer", "speaker", "pair of boots"),
        openings=(
            "I got an invoice for {amount} for the {item} I returned on the {day}. Order {order}.",
            "Your invoice says I owe {amount} for the {item}, but I sent it back on the {day}. "
            "Order {order}.",
            "Why am I being billed {amount} for a {item} that went back on the {day}? It's order "
            "{order}.",
        ),
        paraphrases=(
            "the {item} is already back with us, yet you've been sent a bill for it",
            "you're being asked to pay for a {item} that you already sent back on the {day}",
        ),
        open_questions=(
            "What does the invoice say the payment is for?",
            "How did you return the {item}?",
        ),
        closed_questions=(
            "Did you keep the return receipt?",
            "Was the {item} in its original box?",
        ),
        answers=(
            "It went with {courier} from the shop in {city}, and I have the receipt.",
            "It says balance outstanding for the {item}, and a reminder fee.",
        ),
        actions=(
            "The {item} was scanned in on the {day}, so I've cancelled the {amount} invoice for "
            "order {order}.",
            "I've found the {item} in our returns from the {day} and cleared the {amount} invoice.",
        ),
        generic_actions=(
            "I've asked for the invoice to be reviewed.",
            "The billing team will look at the invoice.",
        ),
        jargon=(
            "The RMA didn't reconcile with the AR ledger, so the dunning run picked it up.",
            "It's an AR mismatch; I've raised a ticket number with back-office.",
        ),
        concerns=(
            Concern(
                "Will this affect my credit score?",
                "It won't affect your credit score: nothing was reported, and the invoice is "
                "cancelled.",
            ),
            Concern(
                "What about the reminder fee you added?",
                "The reminder fee is removed as well.",
            ),
        ),
        subject="Invoice for a returned {item}",
    ),
    Scenario(
        key="late_delivery",
        title="Late delivery",
        team=DELIVERIES,
        moods=("angry", "worried", "calm", "confused"),
        items=("hiking boots", "standing desk", "birthday present", "crib", "TV stand"),
        openings=(
            "My {item} from order {order} was due on {weekday} and still hasn't arrived. I need "
            "it by the {day}.",
            "Order {order}, the {item}, was supposed to come on {weekday}. Nothing yet, and I "
            "need it by the {day}.",
            "I ordered the {item} on the {day} and it was promised for {weekday}. Order {order}. "
            "Where is it?",
        ),
        paraphrases=(
            "the {item} missed the {weekday} delivery and you're still waiting for it",
            "the {item} should have reached you on {weekday} and it hasn't turned up",
        ),
        open_questions=(
            "What does the tracking page show at the moment?",
            "How has the tracking looked over the last few days?",
        ),
        closed_questions=(
            "Have you checked with your neighbours?",
            "Is the delivery address correct?",
        ),
        answers=(
            "It says it left the {city} depot on {weekday} and nothing since.",
            "The tracking has said in transit with {courier} since {weekday}.",
        ),
        actions=(
            "The {item} is sitting at the {city} depot, and I've booked it onto tomorrow's van, "
            "well before the {day}.",
            "I've spoken to {courier}: the {item} left {city} this morning and will be with you "
            "tomorrow.",
        ),
        generic_actions=(
            "I've contacted the courier and asked for an update.",
            "The parcel is on its way and should arrive soon.",
        ),
        jargon=(
            "It's held at the hub pending a linehaul scan, and I've raised an ETA query with "
            "the 3PL.",
            "The consignment missed the trunking run, I've logged an SLA breach with the 3PL.",
        ),
        concerns=(
            Concern(
                "Can I get the delivery fee back since it's late?",
                "Yes, I've refunded the {amount2} delivery fee because it's late.",
            ),
            Concern(
                "What if it doesn't come by the {day}?",
                "If it doesn't come by the {day}, I'll send a replacement by express at no cost.",
            ),
        ),
        subject="Order {order} not delivered",
    ),
    Scenario(
        key="damaged_item",
        title="Item arrived damaged",
        team=DELIVERIES,
        moods=("angry", "worried", "calm"),
        items=("mirror", "TV", "glass table", "lamp", "dinner set"),
        openings=(
            "The {item} from order {order} arrived on {weekday} with the glass cracked right "
            "across.",
            "My {item} came on {weekday} smashed in the box. Order {order}, it cost {amount}.",
            "Order {order} arrived today and the {item} is broken. I paid {amount} for it.",
        ),
        paraphrases=(
            "the {item} turned up in pieces and can't be used",
            "the {item} was already damaged when the parcel reached you",
        ),
        open_questions=(
            "What does the outer box look like?",
            "How bad is the damage to the {item}?",
        ),
        closed_questions=(
            "Did you sign for it as damaged?",
            "Do you still have the packaging?",
        ),
        answers=(
            "The box is dented on one corner, and there are three big cracks in the {item}.",
            "I kept everything, and I took photos of the box and the {item}.",
        ),
        actions=(
            "I've sent out a new {item} on order {order}, it arrives {weekday}, and {courier} "
            "will take the broken one away.",
            "A replacement {item} is booked for {weekday}, and the driver will collect the "
            "damaged one at the same time.",
        ),
        generic_actions=(
            "You can request a return on our website.",
            "Please complete the returns form and we'll look at it.",
        ),
        jargon=(
            "I've raised an RMA and a carrier claim, pending the DC's QA sign-off.",
            "It's logged as a transit damage claim with the 3PL, ticket number to follow.",
        ),
        concerns=(
            Concern(
                "Do I have to pay to send the broken one back?",
                "You don't pay anything to send the broken one back: the collection is free.",
            ),
            Concern(
                "Can I get a refund instead of a new one?",
                "Yes, you can have a refund of the {amount} instead of a new one if you'd prefer.",
            ),
        ),
        subject="Damaged {item}, order {order}",
    ),
    Scenario(
        key="address_change",
        title="Changing the delivery address",
        team=DELIVERIES,
        moods=("worried", "calm", "happy", "confused"),
        items=("sofa", "bike", "bed frame", "garden set"),
        openings=(
            "I've just moved and I need order {order} for the {item} to go to {street} instead.",
            "Can you send my {item}, order {order}, to my new address at {street}? I moved on "
            "{weekday}.",
            "I need to change the delivery address on order {order} to {street}. It's the {item}.",
        ),
        paraphrases=(
            "you've moved home and the {item} should now come to {street}",
            "the {item} needs to follow you to {street} after your move",
        ),
        open_questions=(
            "How would you like the delivery at {street} to go?",
            "What's the best way in for the driver at the new place?",
        ),
        closed_questions=(
            "Is it a house or a flat?",
            "Will someone be home on the day?",
        ),
        answers=(
            "Any weekday after 2 works, and there's a side gate for big deliveries.",
            "It's a ground floor flat, so the driver can come straight in.",
        ),
        actions=(
            "I've updated order {order} so the {item} goes to {street}, and it's still on for "
            "{weekday}.",
            "The {item} is now addressed to {street}, with the same {weekday} delivery.",
        ),
        generic_actions=(
            "The address has been updated.",
            "I've changed the details on the order.",
        ),
        jargon=(
            "I've re-routed the consignment in the TMS; it needs a re-manifest at the DC.",
            "The address change is propagating to the carrier's WMS overnight.",
        ),
        concerns=(
            Concern(
                "Is there a charge for changing the address?",
                "There's no charge for changing the address.",
            ),
            Concern(
                "Will the delivery still be on {weekday}?",
                "Yes, the delivery is still on {weekday}.",
            ),
        ),
        subject="New address for order {order}",
    ),
    Scenario(
        key="wrong_item",
        title="Wrong item delivered",
        team=DELIVERIES,
        moods=("angry", "confused", "calm", "happy"),
        items=("blue sofa cover", "size 9 trainers", "king duvet", "black kettle"),
        openings=(
            "I ordered the {item} on order {order}, but the box that came on {weekday} has "
            "something completely different in it.",
            "Order {order} should be the {item}. What came on {weekday} is a different product.",
            "You sent me the wrong thing. Order {order} was for the {item} and I got something "
            "else on {weekday}.",
        ),
        paraphrases=(
            "the parcel had the wrong product inside instead of the {item}",
            "something other than the {item} turned up on {weekday}",
        ),
        open_questions=(
            "What was in the box instead?",
            "What does the label on the box say?",
        ),
        closed_questions=(
            "Is the label on the box for you?",
            "Did you open the inner packaging?",
        ),
        answers=(
            "It's a grey one two sizes too small, and the label has my name on it.",
            "The packing slip says the right product, but the thing inside doesn't match.",
        ),
        actions=(
            "The warehouse picked the wrong product for order {order}, and the right {item} "
            "goes out today for {weekday}.",
            "I've sent the correct {item} by express for {weekday}, and {courier} will collect "
            "the wrong one.",
        ),
        generic_actions=(
            "Please return the item and we'll send a replacement.",
            "I've asked the warehouse to check it.",
        ),
        jargon=(
            "It's a mis-pick at the DC, the SKU was swapped; I've raised an RMA and a re-ship.",
            "The SKU mapping was wrong in the WMS, so I've logged a re-pick with L2.",
        ),
        concerns=(
            Concern(
                "What should I do with the wrong one?",
                "Keep the wrong one in its box, and {courier} will collect it when they deliver.",
            ),
            Concern(
                "Will I be charged for the replacement?",
                "You won't be charged for the replacement.",
            ),
        ),
        subject="Wrong item in order {order}",
    ),
    Scenario(
        key="missing_parcel",
        title="Marked delivered, never received",
        team=DELIVERIES,
        moods=("angry", "worried", "confused", "calm"),
        items=("parcel", "package", "laptop bag", "headphones"),
        openings=(
            "Tracking for order {order} says my {item} was delivered on {weekday} at 2:14, but "
            "nothing came.",
            "The app says the {item} from order {order} was left on {weekday}, but I've looked "
            "everywhere and it isn't here.",
            "{courier} marked my {item} delivered on {weekday}. Order {order}. I never got it.",
        ),
        paraphrases=(
            "the tracking shows the {item} as handed over, but it never reached you",
            "the {item} is down as delivered on {weekday}, and you haven't got it",
        ),
        open_questions=(
            "How do deliveries usually work at your home?",
            "What does the delivery photo show, if there is one?",
        ),
        closed_questions=(
            "Have you checked with your neighbours?",
            "Did you look in your safe place?",
        ),
        answers=(
            "The photo shows a door that isn't mine, it's a red door and mine is white.",
            "Usually the porch, and I asked next door, nobody has it.",
        ),
        actions=(
            "The driver's photo for order {order} isn't your door, so I've sent a new {item} "
            "for {weekday} and opened a case with {courier}.",
            "The drop on {weekday} went to the wrong house. I've sent a replacement {item}, it "
            "will be with you tomorrow.",
        ),
        generic_actions=(
            "I've opened an investigation with the courier.",
            "The courier will investigate, which can take up to 10 working days.",
        ),
        jargon=(
            "It's a POD dispute, so I've opened a trace with the 3PL and it needs L2 sign-off.",
            "The GPS on the POD doesn't match; it's escalated to tier 2 for a trace.",
        ),
        concerns=(
            Concern(
                "Could someone have stolen it?",
                "It wasn't stolen: the driver's photo shows it went to another house, and "
                "{courier} is collecting it.",
            ),
            Concern(
                "Do I have to wait for the investigation to get a new one?",
                "You don't have to wait for the investigation; the new one is already on its way.",
            ),
        ),
        subject="Order {order} marked delivered but not received",
    ),
    Scenario(
        key="missed_collection",
        title="Return collection missed",
        team=DELIVERIES,
        moods=("angry", "calm", "confused", "worried"),
        items=("armchair", "treadmill", "mattress", "wardrobe"),
        openings=(
            "I stayed home all {weekday} for the {item} collection on order {order} and nobody "
            "came.",
            "The driver was meant to collect the {item} on {weekday}, order {order}. I waited "
            "from 8 until 6 and no one showed up.",
            "Order {order}: the {item} pickup booked for {weekday} never happened.",
        ),
        paraphrases=(
            "you took the day to wait in for the {item} pickup, and the driver never came",
            "the {weekday} pickup of the {item} didn't happen after you waited in",
        ),
        open_questions=(
            "How would a new collection fit around your week?",
            "What would make the driver's next visit easier for you?",
        ),
        closed_questions=(
            "Can you do {weekday} next week?",
            "Is morning okay?",
        ),
        answers=(
            "Saturday morning is the only time I can do now.",
            "Any evening after 5, I can't take another day off.",
        ),
        actions=(
            "I've booked the {item} collection for Saturday morning with {courier}, and I've "
            "added a text alert an hour before.",
            "The new collection for the {item} on order {order} is Saturday, 8 to 12, and the "
            "driver will text ahead.",
        ),
        generic_actions=(
            "I've rebooked the collection.",
            "A new collection has been arranged.",
        ),
        jargon=(
            "The reverse logistics job dropped from the manifest; I've re-queued it with the 3PL.",
            "The collection failed the route optimisation, L2 will re-slot it.",
        ),
        concerns=(
            Concern(
                "Will my refund be delayed because of this?",
                "Your refund won't be delayed: I've released it today, before the collection.",
            ),
            Concern(
                "Can I get something for the day I lost?",
                "For the day you lost, I've added a {amount2} credit to your account.",
            ),
        ),
        subject="Missed collection for order {order}",
    ),
)
