package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/mynumber-shelter/shelter/cloud/store"
)

// runMemberContract tests the end of a membership (RemoveMember).
func runMemberContract(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"RemoveMember", testRemoveMember},
		{"RemoveMemberConcurrently", testRemoveMemberConcurrently},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

// members returns whether each of offices is a member of company.
func members(t *testing.T, s store.Store, company string, offices ...string) []bool {
	t.Helper()
	out := make([]bool, len(offices))
	for i, o := range offices {
		ok, err := s.IsMember(context.Background(), o, company)
		must(t, err)
		out[i] = ok
	}
	return out
}

func testRemoveMember(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, o := range []string{"o1", "o2", "o3", "o4"} {
		office(t, s, o)
	}
	company(t, s, "o1", "c1")
	company(t, s, "o4", "c2")
	must(t, s.AddMember(ctx, "o1", "c1", "o2"))
	must(t, s.AddMember(ctx, "o1", "c1", "o3"))
	must(t, s.AddMember(ctx, "o4", "c2", "o2"))

	for _, tc := range []struct {
		name                    string
		office, company, member string
		want                    error
	}{
		{"a non-member removes a member", "o4", "c1", "o2", store.ErrForbidden},
		{"a non-member removes itself", "o4", "c1", "o4", store.ErrForbidden},
		{"an unknown company", "o1", "c-none", "o2", store.ErrForbidden},
		{"an office that is not a member", "o1", "c1", "o4", store.ErrNotFound},
		{"an unknown office", "o1", "c1", "o9", store.ErrNotFound},
	} {
		if err := s.RemoveMember(ctx, tc.office, tc.company, tc.member); !errors.Is(err, tc.want) {
			t.Errorf("%s: RemoveMember(%s, %s, %s) = %v, want %v", tc.name, tc.office, tc.company, tc.member, err, tc.want)
		}
	}
	if got := members(t, s, "c1", "o1", "o2", "o3", "o4"); !slices.Equal(got, []bool{true, true, true, false}) {
		t.Fatalf("a refused removal changed the members: %v", got)
	}

	// A member removes another: only that membership ends.
	must(t, s.RemoveMember(ctx, "o1", "c1", "o2"))
	if got := members(t, s, "c1", "o1", "o2", "o3"); !slices.Equal(got, []bool{true, false, true}) {
		t.Fatalf("after removing o2 from c1: %v", got)
	}
	if ok, _ := s.IsMember(ctx, "o2", "c2"); !ok {
		t.Fatal("removing o2 from c1 ended its membership of c2")
	}
	if list, err := s.OfficeCompanies(ctx, "o2"); err != nil || !slices.Equal(list, []string{"c2"}) {
		t.Fatalf("o2's companies after the removal = %v, %v", list, err)
	}
	if err := s.RemoveMember(ctx, "o1", "c1", "o2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing o2 again: %v, want ErrNotFound", err)
	}
	// The removed office can no longer act on the company.
	if err := s.RemoveMember(ctx, "o2", "c1", "o3"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("the removed office removes another: %v, want ErrForbidden", err)
	}
	if err := s.AddMember(ctx, "o2", "c1", "o2"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("the removed office adds itself back: %v, want ErrForbidden", err)
	}

	// A member leaves; the last member cannot.
	must(t, s.RemoveMember(ctx, "o3", "c1", "o3"))
	if list, _ := s.OfficeCompanies(ctx, "o3"); len(list) != 0 {
		t.Fatalf("o3's companies after leaving = %v", list)
	}
	if err := s.RemoveMember(ctx, "o1", "c1", "o1"); !errors.Is(err, store.ErrLastMember) {
		t.Fatalf("the last member leaves: %v, want ErrLastMember", err)
	}
	if ok, _ := s.IsMember(ctx, "o1", "c1"); !ok {
		t.Fatal("the refused last removal ended the membership")
	}

	// A member may add a removed office again.
	must(t, s.AddMember(ctx, "o1", "c1", "o2"))
	if got := members(t, s, "c1", "o1", "o2"); !slices.Equal(got, []bool{true, true}) {
		t.Fatalf("after adding o2 back: %v", got)
	}
	if list, _ := s.OfficeCompanies(ctx, "o2"); !slices.Equal(list, []string{"c1", "c2"}) {
		t.Fatalf("o2's companies after being added back = %v", list)
	}
	// Now o1 is not the last member: it may leave, and o2 remains.
	must(t, s.RemoveMember(ctx, "o1", "c1", "o1"))
	if got := members(t, s, "c1", "o1", "o2"); !slices.Equal(got, []bool{false, true}) {
		t.Fatalf("after o1 left: %v", got)
	}
}

// testRemoveMemberConcurrently has the two members of each company remove each other at the
// same time, as two relays on one database would: the removals are serialised, so exactly one
// succeeds, the other finds its caller no longer a member, and no company is left without a
// member.
func testRemoveMemberConcurrently(t *testing.T, s store.Store) {
	ctx := context.Background()
	office(t, s, "o1")
	office(t, s, "o2")
	const n = 16
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "c" + string(rune('a'+i))
		company(t, s, "o1", ids[i])
		must(t, s.AddMember(ctx, "o1", ids[i], "o2"))
	}
	errs := make([][2]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range ids {
		for j, pair := range [2][2]string{{"o1", "o2"}, {"o2", "o1"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i][j] = s.RemoveMember(ctx, pair[0], c, pair[1])
			}()
		}
	}
	close(start)
	wg.Wait()
	for i, c := range ids {
		e := errs[i]
		ok := (e[0] == nil && errors.Is(e[1], store.ErrForbidden)) || (e[1] == nil && errors.Is(e[0], store.ErrForbidden))
		if !ok {
			t.Errorf("%s: o1 removes o2: %v; o2 removes o1: %v; want one success and one ErrForbidden", c, e[0], e[1])
		}
		if got := members(t, s, c, "o1", "o2"); got[0] == got[1] {
			t.Errorf("%s: members o1, o2 = %v, want exactly one", c, got)
		}
	}
}
