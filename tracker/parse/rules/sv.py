"""Swedish."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="och att det din dina vi för på inte är en av",
    name="Swedish",
    ai_at_meta=r"\bai hos meta\b|generativ ai",
    objection=r"invändning\w*|invända",
    request=r"begäran",
    right_to_object=r"rätt att invända|invända mot",
    approve=r"godkänn\w*|godkänt|godkänd|tillmötesgå\w*|beviljad|beviljat",
    decline=r"kan (tyvärr )?inte|inte (godkänn|tillmötesgå|beviljas)|avslag|avslå\w*|avvisad",
    acknowledge=r"har tagit emot|har mottagit|kommer att granska|inte automatiskt",
    info_requested=r"behöver (mer|ytterligare|fler) (information|uppgifter)|"
    r"svara på (det här|detta) (e-postmeddelande|mejl)",
    conditional=r"^(om|när)\b",
    login=r"betalning|logga in|inloggning|registrer|lösenord|tvåstegs|ny enhet",
    case_word=r"ärendenummer|referensnummer|ärende",
    not_automatic=r"inte automatiskt",
)
