package seed

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"cloison/store"
	"cloison/store/engine"
)

// A network: organisations and their units, each unit's editors and
// admins, each organisation's admins.
//
// With one organisation and one unit (the default) the seed writes none of
// this: the instance's first organisation and unit, which the migration
// made, hold everything, as they do for an association that never added a
// unit. With more, they become organisation 1 and unit 1 (codes ORG-001 and
// U-0001, as an administrator would set them) and the others are written
// beside them.

// scopes are the seeded organisations and units; unit i (from 0) belongs
// to organisation i*len(orgs)/len(units), so that each organisation holds
// a contiguous, even share of the units.
type scopes struct {
	orgs  []string     // organisation ids, in number order
	units []store.Unit // in number order
}

// orgCode and unitCode are the codes of organisation and unit n (from 1).
func orgCode(n int) string  { return fmt.Sprintf("ORG-%03d", n) }
func unitCode(n int) string { return fmt.Sprintf("U-%04d", n) }

// planScopes draws the ids and names of orgs organisations and units units,
// the first of each being the instance's first (first).
func planScopes(first store.Unit, orgs, units int) scopes {
	first.Code = unitCode(1)
	s := scopes{orgs: []string{first.OrgID}, units: []store.Unit{first}}
	for n := 2; n <= orgs; n++ {
		s.orgs = append(s.orgs, uuid.NewString())
	}
	for n := 2; n <= units; n++ {
		place := places[(n-1)%len(places)]
		s.units = append(s.units, store.Unit{ID: uuid.NewString(), OrgID: s.orgs[(n-1)*orgs/units],
			Name: fmt.Sprintf("Permanence de %s (%s)", place, unitCode(n)), Code: unitCode(n), Status: store.ScopeActive})
	}
	return s
}

// orgName is the name of organisation n (from 2: the first is named after
// the instance when it starts).
func orgName(n int) string {
	return fmt.Sprintf("Collectif %s (%s)", places[(n-1)%len(places)], orgCode(n))
}

// The statements that write organisations, units and memberships, with the
// columns and constants the store's own inserts write (an active scope with
// every module on; a live membership with no function, no invitation and
// no end).
var (
	orgsInsert = engine.BulkInsert{Head: `INSERT INTO organisations (id, name, code, address, contact_email, status,
		centrally_managed, created_at, updated_at) VALUES `, Row: "(?, ?, ?, '', '', 'active', FALSE, ?, ?)"}
	unitsInsert = engine.BulkInsert{Head: `INSERT INTO units (id, org_id, name, code, contact_email, address, status,
		module_helpers, module_attachments, module_reminders, accepts_transfers, logo, logo_type, stamp, stamp_type,
		created_at, updated_at) VALUES `, Row: "(?, ?, ?, ?, '', '', 'active', TRUE, TRUE, TRUE, FALSE, NULL, '', NULL, '', ?, ?)"}
	membershipsInsert = engine.BulkInsert{Head: `INSERT INTO memberships (id, account_id, org_id, unit_id, role, functions,
		valid_from, valid_until, invited_email, token_hash, token_expires, invited_by, external_id, notified_ending_at,
		notified_ended_at, created_at, updated_at) VALUES `,
		Row: "(?, ?, ?, ?, ?, '[]', ?, NULL, '', NULL, NULL, NULL, NULL, NULL, NULL, ?, ?)"}
)

// audit is an audit entry of the seed's operator, as the store writes one
// (details as JSON, keys in order).
func audit(op store.Actor, action, objectType, objectID, orgID, unitID string, details map[string]any) store.AuditEntry {
	details["seed"] = true
	js, _ := json.Marshal(details)
	return store.AuditEntry{ActorID: op.ID(), Action: action, ObjectType: objectType, ObjectID: objectID,
		ClientIP: op.ClientIP, Details: string(js), OrgID: orgID, UnitID: unitID}
}

// writeScopes writes the organisations and units of s but the first ones,
// and gives those their codes, each audited as the API does it.
func writeScopes(ctx context.Context, st *store.Store, bulk *engine.Bulk, op store.Actor, s scopes) error {
	now := st.Now()
	var orgRows, unitRows [][]any
	var audits []store.AuditEntry
	first := s.units[0]
	audits = append(audits,
		audit(op, "org.updated", "organisation", first.OrgID, first.OrgID, "", map[string]any{"fields": []string{"code"}}),
		audit(op, "unit.updated", "unit", first.ID, first.OrgID, first.ID, map[string]any{"fields": []string{"code"}}))
	for i, id := range s.orgs[1:] {
		n := i + 2
		orgRows = append(orgRows, []any{id, orgName(n), orgCode(n), now, now})
		audits = append(audits, audit(op, "org.created", "organisation", id, id, "",
			map[string]any{"code": orgCode(n), "centrally_managed": false}))
	}
	for _, u := range s.units[1:] {
		unitRows = append(unitRows, []any{u.ID, u.OrgID, u.Name, u.Code, now, now})
		audits = append(audits, audit(op, "unit.created", "unit", u.ID, u.OrgID, u.ID, map[string]any{"code": u.Code}))
	}
	db := st.Engine()
	return bulk.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, q := range []struct{ sql, code, id string }{
			{"UPDATE organisations SET code = ?, updated_at = ? WHERE id = ?", orgCode(1), first.OrgID},
			{"UPDATE units SET code = ?, updated_at = ? WHERE id = ?", unitCode(1), first.ID},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, engine.BindArgs([]any{q.code, now, q.id})...); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
		if err := db.InsertRows(ctx, tx, orgsInsert, orgRows); err != nil {
			return fmt.Errorf("seed: organisations: %w", err)
		}
		if err := db.InsertRows(ctx, tx, unitsInsert, unitRows); err != nil {
			return fmt.Errorf("seed: units: %w", err)
		}
		return st.AppendAuditEntries(ctx, tx, audits)
	})
}

// adminMembership is an admin membership to seed: of an organisation
// (Unit empty) or of a unit.
type adminMembership struct {
	Account   *store.Account
	Org, Unit string
}

// writeAdmins gives each account its admin membership from now on, as an
// appointment of an active account does, audited.
func writeAdmins(ctx context.Context, st *store.Store, bulk *engine.Bulk, op store.Actor, admins []adminMembership) error {
	now := st.Now()
	rows := make([][]any, 0, len(admins))
	audits := make([]store.AuditEntry, 0, len(admins))
	for _, a := range admins {
		id := uuid.NewString()
		var org, unit any = a.Org, a.Unit
		if a.Unit == "" {
			unit = nil
		} else {
			org = nil
		}
		rows = append(rows, []any{id, a.Account.ID, org, unit, store.MemberAdmin, now, now, now})
		audits = append(audits, audit(op, "membership.created", "membership", id, a.Org, a.Unit,
			map[string]any{"role": store.MemberAdmin, "functions": []string{}, "immediate": true, "account": a.Account.ID}))
	}
	db := st.Engine()
	return bulk.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.InsertRows(ctx, tx, membershipsInsert, rows); err != nil {
			return fmt.Errorf("seed: memberships: %w", err)
		}
		return st.AppendAuditEntries(ctx, tx, audits)
	})
}

// InspectedPairs is how many (unit, category) pairs a seeded network opens
// to its inspector (issue 13, "Scale": an inspector with 20 open pairs).
const InspectedPairs = 20

// writeInspection names the account referent inspector of every category
// and opens InspectedPairs (unit, category) pairs to it, as many units as
// there are, unit u opening the categories u, u+1, … (modulo their number)
// when there are fewer units than pairs.
func writeInspection(ctx context.Context, st *store.Store, bulk *engine.Bulk, inspector *store.Account, units []store.Unit, cats []string) error {
	now := st.Now()
	return bulk.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, cat := range cats {
			if _, err := tx.ExecContext(ctx, `INSERT INTO category_inspectors (account_id, category_id, named_at) VALUES (?, ?, ?)`,
				engine.BindArgs([]any{inspector.ID, cat, now})...); err != nil {
				return fmt.Errorf("seed: inspectors: %w", err)
			}
		}
		for i := range min(InspectedPairs, len(units)*len(cats)) {
			u, round := i%len(units), i/len(units)
			unit, cat := units[u].ID, cats[(u+round)%len(cats)]
			if _, err := tx.ExecContext(ctx, `INSERT INTO unit_inspection (unit_id, category_id, opened_at) VALUES (?, ?, ?)`,
				engine.BindArgs([]any{unit, cat, now})...); err != nil {
				return fmt.Errorf("seed: inspection: %w", err)
			}
		}
		return nil
	})
}
