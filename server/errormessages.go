package server

// messages are the human texts of the API's error codes, French first. The
// SPA shows its own translation of the code; these serve other clients.
var messages = map[string][2]string{ // code: {fr, en}
	"bad_request":            {"La requête est mal formée.", "The request is malformed."},
	"unauthenticated":        {"Veuillez vous connecter.", "Please log in."},
	"invalid_credentials":    {"Adresse e-mail ou mot de passe incorrect.", "Wrong e-mail address or password."},
	"forbidden":              {"Votre rôle ne permet pas cette action.", "Your role does not allow this action."},
	"not_found":              {"Introuvable.", "Not found."},
	"method_not_allowed":     {"Méthode non autorisée.", "Method not allowed."},
	"conflict":               {"Cette action contredit l’état actuel.", "This action conflicts with the current state."},
	"version_mismatch":       {"Quelqu’un a modifié ce dossier entre-temps : rechargez-le.", "Someone changed this case file meanwhile: reload it."},
	"version_required":       {"L’en-tête If-Match est obligatoire.", "The If-Match header is required."},
	"validation_failed":      {"Certains champs sont invalides.", "Some fields are invalid."},
	"too_many_requests":      {"Trop de tentatives ; réessayez plus tard.", "Too many attempts; try again later."},
	"payload_too_large":      {"Le contenu envoyé est trop volumineux.", "The content sent is too large."},
	"unsupported_media_type": {"Type de contenu non pris en charge.", "Unsupported content type."},
	"timeout":                {"La requête a pris trop de temps.", "The request took too long."},
	"invalid_setup_token":    {"Ce lien d’installation n’est pas valide ou a déjà servi.", "This setup link is not valid or has already been used."},
	"setup_done":             {"L’installation est déjà faite.", "Setup is already done."},
	"generic":                {"La requête n’a pas pu aboutir.", "The request could not be completed."},
	"last_superadmin":        {"Le dernier superadmin ne peut pas être retiré.", "The last superadmin cannot be removed."},
	"registration_closed":    {"Les inscriptions sont fermées : demandez une invitation à un administrateur.", "Registration is closed: ask an administrator for an invitation."},
	"superadmin_only":        {"Seul un superadmin peut accorder ou retirer ce rôle.", "Only a superadmin can grant or remove this role."},
	"self":                   {"Vous ne pouvez pas faire cela sur votre propre compte.", "You cannot do this to your own account."},
	"not_blocked":            {"Ce compte n’est ni bloqué ni verrouillé.", "This account is neither blocked nor locked."},
	"deregistered":           {"Ce compte est désinscrit.", "This account is deregistered."},
	"request_pending":        {"Vous avez déjà une demande en attente.", "You already have a pending request."},
	"already_decided":        {"Cette demande a déjà été traitée.", "This request has already been decided."},
	"not_failed":             {"Seul un e-mail en échec peut être renvoyé.", "Only a failed e-mail can be sent again."},
	"reason_required":        {"Ce dossier ne vous est pas confié : indiquez le motif de votre consultation.", "This case file is not entrusted to you: give the reason for opening it."},
	"archived":               {"Ce dossier est archivé : il ne peut plus être modifié.", "This case file is archived: it can no longer be changed."},
	"not_draft":              {"Seule une ébauche peut être supprimée par sa créatrice ou son créateur.", "Only a draft can be deleted by its creator."},
	"invalid_transition":     {"Ce changement de statut n’est pas possible depuis le statut actuel.", "This status change is not possible from the current status."},
	"case_not_open":          {"On ne peut inviter d’aide que sur un dossier en ébauche, ouvert, en démarche amiable ou en contentieux.", "Helpers can only be invited on a draft, open, pending or litigation case file."},
	"already_collaborator":   {"Cette personne a déjà accès à ce dossier.", "This person already has access to this case file."},
	"email_mismatch":         {"Cette invitation a été envoyée à une autre adresse e-mail.", "This invitation was sent to another e-mail address."},
	"module_disabled":        {"Cette fonction est désactivée pour cette unité.", "This feature is switched off for this unit."},
	"centrally_managed":      {"Cette organisation est gérée par le secrétariat : adressez-lui votre demande.", "This organisation is managed by the secretariat: send your request to it."},
	"already_member":         {"Cette personne a déjà ce rôle ici, ou une invitation en attente pour lui.", "This person already has this role here, or a pending invitation to it."},
	"already_ended":          {"Ce mandat est déjà terminé.", "This mandate has already ended."},
	"not_invited":            {"Seule une invitation en attente peut être renvoyée.", "Only a pending invitation can be sent again."},
	"scope_closed":           {"Cette organisation ou cette unité est fermée.", "This organisation or unit is closed."},
	"second_factor_required": {"Votre rôle demande un second facteur : configurez-le dans « Mon compte » avant de continuer.", "Your role requires a second factor: set it up in “My account” before going on."},
	"second_factor_enrolled": {"Un second facteur est déjà configuré : retirez-le d’abord pour en configurer un autre.", "A second factor is already set up: remove it first to set up another one."},
	"transfers_off":          {"Votre unité n’accepte pas les transferts : ses administrateur·rices peuvent les activer dans ses réglages.", "Your unit does not take part in transfers: its administrators can switch them on in its settings."},
	"transfer_pending":       {"Un transfert de ce dossier attend déjà une réponse.", "A transfer of this case file is already waiting for an answer."},
	"function_in_use":        {"Des mandats portent encore cette fonction : désactivez-la plutôt que de la retirer.", "Memberships still hold this function: deactivate it instead of removing it."},
	"not_centrally_managed":  {"Cette organisation gère elle-même sa fiche et ses membres : ses administrateur·rices font ce changement directement.", "This organisation keeps its own record and members: its administrators make this change themselves."},
	"request_stale":          {"Cette demande ne s’applique plus : la situation a changé depuis (mandat déjà terminé, adresse déjà prise…). Refusez-la en expliquant pourquoi.", "This request no longer applies: things have changed since (a mandate already ended, an address already taken…). Refuse it, saying why."},
	"internal":               {"Erreur interne. Donnez ce numéro à l’administrateur.", "Internal error. Give this number to the administrator."},
}

// message returns the text for code in locale, falling back to a generic one.
func message(code, locale string) string {
	m, ok := messages[code]
	if !ok {
		m = messages["generic"]
	}
	if locale == "en" {
		return m[1]
	}
	return m[0]
}
