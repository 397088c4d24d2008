"""Norwegian (Bokmål): "protestere" as the Norwegian privacy law says it, and "innsigelse"."""

from tracker.parse.rules import LanguageRules

RULES = LanguageRules(
    words="og at det din dine vi for på ikke er av til deg",
    name="Norwegian",
    ai_at_meta=r"\b(ki|ai) hos meta\b|kunstig intelligens hos meta|generativ (ki|ai)",
    objection=r"protest\w*|innsigelse\w*|motsette deg",
    request=r"forespørsel\w*|anmodning\w*",
    right_to_object=r"rett til å (protestere|motsette deg|komme med innsigelse)|"
    r"protestere mot",
    approve=r"innvilge\w*|etterkomme\w*|imøtekomme\w*|godkjen\w*|tatt til følge|ta til følge",
    decline=r"kan (dessverre )?ikke|ikke (innvilge|etterkomme|imøtekomme|godkjenne)|avslått|"
    r"avslå\w*|avvist|dessverre ikke",
    acknowledge=r"har mottatt|vil gå gjennom|skal vurdere|ikke automatisk",
    info_requested=r"trenger (mer|flere|ytterligere) (informasjon|opplysninger)|"
    r"svar på denne e-posten",
    conditional=r"^(hvis|om|når)\b",
    login=r"logg(e)? inn|innlogging|registrer|passord|tofaktor|ny enhet",
    case_word=r"saksnummer|referansenummer|sak nr",
    not_automatic=r"ikke automatisk",
)
