package store

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"
)

// A PNG the report's PDF writer cannot embed as it is (16 bits per
// channel) is kept re-encoded with 8; one it can is kept byte for byte.
func TestUnitImagesAreNormalised(t *testing.T) {
	wide := image.NewNRGBA64(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		wide.Set(x, x, color.NRGBA64{R: 0xffff, A: 0x8000})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, wide); err != nil {
		t.Fatal(err)
	}
	deep := buf.Bytes()
	if plainPNG(deep) {
		t.Fatal("a 16-bit PNG passes for a plain one")
	}
	mediaType, kept, err := checkUnitImage(deep)
	if err != nil || mediaType != "image/png" || !plainPNG(kept) {
		t.Fatalf("16-bit PNG: %s %v, plain %v", mediaType, err, plainPNG(kept))
	}
	back, err := png.Decode(bytes.NewReader(kept))
	if err != nil || back.Bounds() != wide.Bounds() {
		t.Fatalf("re-encoded: %v %v", back.Bounds(), err)
	}
	if _, _, _, a := back.At(3, 3).RGBA(); a < 0x7f00 || a > 0x8100 {
		t.Fatalf("transparency lost: %v", back.At(3, 3))
	}
	small := image.NewNRGBA(image.Rect(0, 0, 4, 4))
	buf.Reset()
	_ = png.Encode(&buf, small)
	if _, kept, err := checkUnitImage(buf.Bytes()); err != nil || !bytes.Equal(kept, buf.Bytes()) {
		t.Fatalf("a plain PNG is changed: %v", err)
	}
}

// Names and codes refuse control characters; addresses keep their lines.
func TestPlainText(t *testing.T) {
	for s, want := range map[string][2]bool{
		"École du Centre": {true, true}, "a\nb": {false, true}, "a\tb": {false, true}, "a\x00b": {false, false},
		"\x1b[31m": {false, false}, "a\u2028b": {false, false}, "\xff": {false, false}, "": {true, true},
	} {
		if got := [2]bool{plainText(s, false), plainText(s, true)}; got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}

// A membership's status follows the clock and its dates.
func TestMembershipStatus(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	acc := "a"
	before, after := now.Add(-time.Second), now.Add(time.Second)
	for _, tc := range []struct {
		m    Membership
		want string
	}{
		{Membership{ValidFrom: before}, MembershipInvited},
		{Membership{ValidFrom: before, ValidUntil: &now}, MembershipEnded},
		{Membership{AccountID: &acc, ValidFrom: before}, MembershipActive},
		{Membership{AccountID: &acc, ValidFrom: now, ValidUntil: &after}, MembershipActive},
		{Membership{AccountID: &acc, ValidFrom: after}, MembershipUpcoming},
		{Membership{AccountID: &acc, ValidFrom: before, ValidUntil: &now}, MembershipEnded},
		{Membership{AccountID: &acc, ValidFrom: after, ValidUntil: &now}, MembershipEnded},
	} {
		if got := tc.m.status(now); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.m, got, tc.want)
		}
		if live := tc.m.status(now) == MembershipActive; live != tc.m.Live(now) {
			t.Errorf("%+v: status %s but Live %v", tc.m, tc.m.status(now), tc.m.Live(now))
		}
	}
}

// An organisation whose first administrator's mandate begins later turns
// active when it begins, through the daily job; functions are kept as
// given, in order, without duplicates.
func TestUpcomingAdministratorActivatesLater(t *testing.T) {
	st, clock := newOutboxStore(t)
	ctx := context.Background()
	sec, err := st.CreateAccount(ctx, testHasher, Actor{}, NewAccount{Email: "sec@example.org", Name: "Sec", Password: "a long enough passphrase", Role: RoleSecretariat})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := st.CreateAccount(ctx, testHasher, Actor{}, NewAccount{Email: "po@example.org", Name: "Po", Password: "a long enough passphrase", Role: RoleReader})
	if err != nil {
		t.Fatal(err)
	}
	actor := Actor{Account: sec}
	org, err := st.CreateOrg(ctx, actor, NewOrganisation{Name: "PO", Code: "po-1", AdminEmail: "nobody@example.net", Reason: "Inscription au réseau"})
	if err != nil {
		t.Fatal(err)
	}
	from := clock.Now().Add(48 * time.Hour).Format(time.RFC3339)
	m, err := st.AddMember(ctx, actor, ScopeTypeOrg, org.ID, NewMembership{Email: "po@example.org", Role: MemberAdmin, ValidFrom: &from,
		Functions: []string{"president", "tresorier", "president"}, Reason: "Élu pour le prochain mandat"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != MembershipUpcoming || len(m.Functions) != 2 || m.Functions[1] != "tresorier" {
		t.Fatalf("membership: %+v", m)
	}
	status := func() string {
		o, err := st.GetOrg(ctx, actor, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		return o.Status
	}
	if _, err := st.NotifyMandates(ctx); err != nil || status() != ScopeInvited {
		t.Fatalf("before the mandate: %s %v", status(), err)
	}
	clock.Advance(49 * time.Hour)
	if _, err := st.NotifyMandates(ctx); err != nil || status() != ScopeActive {
		t.Fatalf("once the mandate began: %s %v", status(), err)
	}
	mine, err := st.MyMemberships(ctx, Actor{Account: admin})
	if err != nil || len(mine) != 1 || mine[0].Status != MembershipActive || mine[0].Functions[0] != "president" {
		t.Fatalf("mine: %+v %v", mine, err)
	}
}
