"""German, with Swiss usage (ss for ß, the formal Sie) and Austrian wording."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="der die das und du dein deine deinen ihre ihren wir nicht für zu mit ist sie",
    name="German",
    ai_at_meta=r"\bki bei meta\b|\bki von meta\b|generative(n|r)? ki",
    objection=r"widerspruch|widersprechen|widerspr",
    request=r"anfrage|antrag|anliegen",
    right_to_object=r"recht,? (zu )?widersprechen|widerspruchsrecht|recht auf widerspruch|"
    r"widersprechen",
    approve=r"nachkommen|nachgekommen|stattgeben|stattgegeben|berücksichtig|genehmigt|"
    r"entsprechen|entsprochen",
    decline=r"nicht nachkommen|nicht stattgeben|nicht entsprechen|leider nicht|abgelehnt|"
    r"nicht (möglich|berücksichtig)",
    acknowledge=r"(haben|hat) (deine|ihre|deinen|ihren) \w+ erhalten|"
    r"wir (werden|prüfen|überprüfen)|nicht automatisch",
    info_requested=r"weitere (informationen|angaben) (benötigen|brauchen)|"
    r"(benötigen|brauchen) (noch )?(weitere|zusätzliche|mehr) (informationen|angaben)|"
    r"(antworte|antworten sie) (bitte )?auf diese (e-mail|nachricht)",
    conditional=r"^(wenn|falls|sobald)\b|\b(wenn|falls) (dein|ihr|du|sie)\b",
    login=r"zahlung|anmeld|einlogg|\blogin|registrier|passwort|zwei-faktor|neue(n|s)? gerät",
    case_word=r"fallnummer|vorgangsnummer|referenznummer|aktenzeichen|ticketnummer|referenz",
    not_automatic=r"nicht automatisch",
    not_flow=r"personalisier\w* (werbung|anzeigen|inhalte)",
)
