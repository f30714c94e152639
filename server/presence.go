package server

import (
	"sort"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"cloison/store"
)

// presenceWindow is how long a heartbeat keeps someone shown as present.
const presenceWindow = 30 * time.Second

// presence remembers who has which case file open, from the heartbeats the
// SPA sends while a case-file page is shown. It lives in memory only: it is
// a hint for people editing together, not a record.
type presence struct {
	mu   sync.Mutex
	seen map[string]map[string]presenceEntry // case id → account id → entry
}

type presenceEntry struct {
	Name string    `json:"name"`
	At   time.Time `json:"-"`
}

// beat records actor on caseID and returns the others seen recently.
func (p *presence) beat(caseID string, acc *store.Account, now time.Time) []presenceEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil {
		p.seen = map[string]map[string]presenceEntry{}
	}
	room := p.seen[caseID]
	if room == nil {
		room = map[string]presenceEntry{}
		p.seen[caseID] = room
	}
	room[acc.ID] = presenceEntry{Name: acc.Name, At: now}
	others := []presenceEntry{}
	for id, e := range room {
		switch {
		case now.Sub(e.At) > presenceWindow:
			delete(room, id)
		case id != acc.ID:
			others = append(others, e)
		}
	}
	sort.Slice(others, func(i, j int) bool { return others[i].Name < others[j].Name })
	return others
}

// heartbeat says "I have this case file open" and answers who else has it.
// Visibility comes first, like every case-file route.
func (s *Server) heartbeat(c *fiber.Ctx) error {
	id := c.Params("id")
	version, err := s.store.CaseVersion(c.UserContext(), s.actor(c), id)
	if err != nil {
		return err
	}
	others := s.presence.beat(id, s.actor(c).Account, time.Now())
	return c.JSON(fiber.Map{"others": others, "version": version})
}
