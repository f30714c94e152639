package seed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"cloison/store"
)

// generator draws synthetic case files. Its random source is not for secrets:
// it only makes texts and spreads, reproducibly.
type generator struct {
	r       *rand.Rand
	now     time.Time
	units   []staffedUnit
	made    int // case files drawn so far
	helpers []*store.Account
	cats    []string
}

// staffedUnit is a unit with the editors who edit for it.
type staffedUnit struct {
	unit    store.Unit
	editors []*store.Account
}

func newGenerator(random uint64, now time.Time, units []staffedUnit, helpers []*store.Account, cats []string) *generator {
	return &generator{r: rand.New(rand.NewPCG(random, random^0x9e3779b97f4a7c15)), now: now, units: units, helpers: helpers,
		cats: cats}
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

// status spreads statuses roughly as a long-running association's would.
func (g *generator) status() (string, *string) {
	switch p := g.r.IntN(100); {
	case p < 6:
		return store.CaseDraft, nil
	case p < 36:
		return store.CaseOpen, nil
	case p < 54:
		return store.CasePending, nil
	case p < 64:
		return store.CaseLitigation, nil
	case p < 94:
		o := g.pick(store.Outcomes)
		return store.CaseClosed, &o
	default:
		o := g.pick(store.Outcomes)
		return store.CaseArchived, &o
	}
}

func (g *generator) next() caseFile {
	// Units take turns: each holds an even share, entrusted to its own
	// editors (no draw, so that one unit gives the draws it always gave).
	u := g.units[g.made%len(g.units)]
	g.made++
	// Created over the last six years, changed some time after.
	created := g.now.Add(-time.Duration(g.r.Int64N(int64(6 * 365 * 24 * time.Hour)))).Truncate(time.Millisecond)
	updated := created.Add(time.Duration(g.r.Int64N(int64(g.now.Sub(created)) + 1))).Truncate(time.Millisecond)
	status, outcome := g.status()
	facts := created.Add(-time.Duration(g.r.IntN(400)) * 24 * time.Hour).Format("2006-01-02")
	place := g.pick(places)
	sc := caseFile{Case: store.Case{
		Title:      g.title(place),
		CategoryID: g.pick(g.cats),
		Summary:    g.summary(place),
		FactsDate:  &facts,
		Place:      place,
		Status:     status,
		Outcome:    outcome,
		CreatedAt:  created,
		UpdatedAt:  updated,
		UnitID:     u.unit.ID,
		OrgID:      u.unit.OrgID,
	}}
	// Entrusted to one editor mostly, sometimes two or three.
	n := 1
	switch p := g.r.IntN(100); {
	case p >= 97:
		n = 3
	case p >= 85:
		n = 2
	}
	// n distinct editors, drawn one by one: a permutation of all of them
	// per case file cost more than the rest of the generator with
	// thousands of editors.
	for n = min(n, len(u.editors)); len(sc.Assignees) < n; {
		if e := u.editors[g.r.IntN(len(u.editors))]; !slices.Contains(sc.Assignees, e) {
			sc.Assignees = append(sc.Assignees, e)
		}
	}
	// Helpers only on case files still open to them (closing ends their access).
	if len(g.helpers) > 0 && store.CollaborationOpen(status) && g.r.IntN(100) < 8 {
		sc.Helpers = append(sc.Helpers, helper{Account: g.helpers[g.r.IntN(len(g.helpers))], Kind: g.pick(store.HelperKinds)})
	}
	for range g.r.IntN(3) {
		sc.Notes = append(sc.Notes, g.pick(noteTexts))
	}
	if g.r.IntN(100) < 40 {
		// Open deadlines lie beyond the reminder window, so that starting a
		// seeded instance does not queue thousands of reminders.
		d := deadline{Title: g.pick(deadlineTitles)}
		if status == store.CaseClosed || status == store.CaseArchived || g.r.IntN(2) == 0 {
			d.Done = true
			d.DueDate = updated.Add(-time.Duration(g.r.IntN(60)) * 24 * time.Hour).Format("2006-01-02")
		} else {
			d.DueDate = g.now.Add(time.Duration(10+g.r.IntN(170)) * 24 * time.Hour).Format("2006-01-02")
		}
		sc.Deadlines = append(sc.Deadlines, d)
	}
	return sc
}

func (g *generator) title(place string) string {
	t := g.pick(titles)
	if g.r.IntN(3) == 0 {
		t += " – " + place
	}
	return t
}

func (g *generator) summary(place string) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(g.pick(openings), "{lieu}", place))
	for range 1 + g.r.IntN(3) {
		b.WriteByte(' ')
		b.WriteString(g.pick(sentences))
	}
	return b.String()
}

// personName gives seeded accounts plausible, clearly fictitious names.
func personName(i int, prefix string) string {
	first := firstNames[(i-1)%len(firstNames)]
	last := lastNames[((i-1)/len(firstNames))%len(lastNames)]
	return fmt.Sprintf("%s %s (%s %d)", first, last, prefix, i)
}

var firstNames = []string{"Camille", "Dominique", "Claude", "Sacha", "Alix", "Morgane", "Yannick", "Maxime",
	"Andréa", "Charlie", "Lou", "Noa", "Élise", "Romane", "Gaël", "Anaïs", "Hélène", "Bastien", "Inès", "Théo"}

var lastNames = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
	"Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"}

var places = []string{"Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Rennes", "Strasbourg", "Bordeaux",
	"Montpellier", "Grenoble", "Dijon", "Angers", "Brest", "Limoges", "Clermont-Ferrand", "Rouen", "Metz", "Tours",
	"Amiens", "Besançon", "Poitiers", "Perpignan", "Nîmes", "Caen", "Orléans", "Mulhouse", "Pau", "Ajaccio"}

var titles = []string{
	"Césarienne en urgence sans explication",
	"Épisiotomie pratiquée sans consentement",
	"Refus de péridurale malgré la demande",
	"Séparation prolongée avec le nouveau-né",
	"Demande d’accès au dossier médical restée sans réponse",
	"Propos humiliants pendant le travail",
	"Dépassement d’honoraires non annoncé",
	"Suivi de grossesse interrompu",
	"Hémorragie de la délivrance mal prise en charge",
	"Sortie de maternité précipitée",
	"Refus de rendez-vous pour motif discriminatoire",
	"Expression abdominale pendant l’accouchement",
	"Information insuffisante sur un déclenchement",
	"Douleurs post-partum ignorées",
	"Facturation d’une chambre particulière non demandée",
	"Examen gynécologique brutal",
	"Transfert du nouveau-né sans information des parents",
	"Compte rendu d’accouchement incomplet",
	"Allaitement : pression et remarques déplacées",
	"Retard de diagnostic d’une infection",
}

var openings = []string{
	"La personne accompagnée a accouché à la maternité de {lieu}.",
	"Les faits se sont déroulés dans une clinique de {lieu}.",
	"Suivi de grossesse assuré en cabinet libéral à {lieu}.",
	"Hospitalisation au centre hospitalier de {lieu}.",
	"Premier contact par la permanence téléphonique de {lieu}.",
}

var sentences = []string{
	"Elle indique ne pas avoir été informée des gestes pratiqués.",
	"Le consentement n’a pas été recueilli avant l’intervention.",
	"Le compte rendu remis à la sortie ne mentionne pas l’incident.",
	"Une demande écrite d’accès au dossier médical a été envoyée.",
	"L’équipe soignante a minimisé la douleur exprimée.",
	"Le conjoint a été tenu à l’écart sans explication.",
	"Une médiation avec l’établissement est envisagée.",
	"Une réclamation a été adressée à la commission des usagers.",
	"Les séquelles physiques et psychologiques sont importantes.",
	"Un certificat médical a été établi par le médecin traitant.",
	"La facture reçue comporte des dépassements non expliqués.",
	"Elle souhaite obtenir des excuses et une explication écrite.",
	"Un courrier recommandé est resté sans réponse depuis deux mois.",
	"Le nouveau-né a été transféré en néonatologie pendant la nuit.",
	"Plusieurs témoignages concordants ont été recueillis.",
}

var noteTexts = []string{
	"Appel avec la personne : elle confirme vouloir poursuivre la démarche.",
	"Courrier de réclamation envoyé à la direction de l’établissement.",
	"Réponse de l’établissement reçue, jugée insuffisante.",
	"Rendez-vous fixé avec la médiatrice de la commission des usagers.",
	"Pièces reçues : compte rendu opératoire et lettre de sortie.",
	"Relance envoyée pour obtenir le dossier médical complet.",
	"Point d’étape avec la bénévole référente.",
	"Saisine du conciliateur envisagée si pas de réponse sous un mois.",
	"Avocate contactée pour avis sur un recours contentieux.",
	"La personne souhaite faire une pause dans les démarches.",
}

var deadlineTitles = []string{
	"Délai de réponse de l’établissement",
	"Relance de la demande de dossier médical",
	"Date limite de saisine de la commission",
	"Rendez-vous de médiation",
	"Délai de recours contentieux",
	"Audience",
}
