"""English, British (honour, fulfil, Accounts Centre) and American (honor, fulfill, Center)."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="the your you and to of for we this will our is",
    name="English",
    ai_at_meta=r"\bai at meta\b|generative ai",
    objection=r"\bobjection|\bobject(ed|ing)?\b",
    request=r"\brequest",
    right_to_object=r"right to object|\bobject to\b|objection form",
    approve=r"\bhono(u)?r(ed|ing)?\b|\bapproved?\b|\bgranted\b|\baccepted\b|\buph[eo]ld\b",
    decline=r"unable to|can(no|')t|not able to|won't be able|\bdeclined?\b|not hono(u)?r|"
    r"\brejected\b|not been approved|could not|couldn't",
    acknowledge=r"don't automatically fulfill?|do not automatically fulfill?|"
    r"we('ve| have)? received your|we('ll| will) review|under review|"
    r"review (it|them|your request)",
    info_requested=r"need(s)? (some )?(more|additional|further) (information|details)|"
    r"provide (us with )?(more|additional|further) (information|details)|"
    r"(please |just )?reply to this (e-?mail|message)",
    conditional=r"^(if|once|when)\b|\bif (your|you)\b",
    login=r"log ?in|sign ?in|sign ?up|password|two-factor|2fa|new device|recover|"
    r"\bpayment|\bpurchase|transaction|\bregist(er|ration)|confirm your account|\bfb-\d",
    case_word=r"case (number|no\.?|id)|reference( number| no\.?)?|\bref\.?|ticket( number)?",
    not_automatic=r"(don't|do not) automatically fulfill?",
    not_flow=r"personali[sz]e (your experience|the content and ads|ads)|ads you see",
)
