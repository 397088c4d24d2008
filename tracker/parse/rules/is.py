"""Icelandic."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="og að þú þín þinna við fyrir á ekki er til um",
    name="Icelandic",
    ai_at_meta=r"gervigreind\w* (hjá )?meta\b|\bai hjá meta\b|skapandi gervigreind",
    objection=r"andmæl\w*|mótmæl\w*",
    request=r"beiðn\w*",
    right_to_object=r"rétt\w* til að (andmæla|mótmæla)",
    approve=r"orðið við|verða við|samþykkt\w*|virða andmæli|virðum andmæli",
    decline=r"getum (því miður )?ekki|ekki (orðið|verða) við|hafnað|synjað|því miður",
    acknowledge=r"höfum (móttekið|fengið)|munum fara yfir|ekki sjálfkrafa",
    info_requested=r"þurfum (frekari|meiri|nánari) upplýsingar|svaraðu þessum tölvupósti",
    conditional=r"^(ef|þegar)\b",
    login=r"innskrán|skrá (þig )?inn|nýskrán|lykilorð|tveggja þrepa|nýtt tæki",
    case_word=r"málsnúmer|tilvísunarnúmer",
    not_automatic=r"ekki sjálfkrafa",
)
