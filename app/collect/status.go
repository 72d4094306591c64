package collect

import "slices"

// Status is where an employee stands in collection (collection_targets.status, or
// Unrequested when the employee has no target row).
type Status string

const (
	Unrequested Status = "unrequested" // 未依頼
	Requested   Status = "requested"   // 依頼済
	Submitted   Status = "submitted"   // 提出済
	Checked     Status = "checked"     // 確認済
	Registered  Status = "registered"  // 登録済
	Returned    Status = "returned"    // 差戻し
	Refused     Status = "refused"     // 提供拒否
)

// Statuses lists every status in display order.
func Statuses() []Status {
	return []Status{Unrequested, Requested, Submitted, Checked, Registered, Returned, Refused}
}

// Valid reports whether s is one of the constants.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Label is the status's name, English when lang starts with "en", Japanese otherwise.
func (s Status) Label(lang string) string {
	l := map[Status][2]string{
		Unrequested: {"未依頼", "Not requested"},
		Requested:   {"依頼済", "Requested"},
		Submitted:   {"提出済", "Submitted"},
		Checked:     {"確認済", "Checked"},
		Registered:  {"登録済", "Registered"},
		Returned:    {"差戻し", "Sent back"},
		Refused:     {"提供拒否", "Refused"},
	}[s]
	if l[0] == "" {
		return string(s)
	}
	return pick(l, lang)
}

// open reports whether a target in status s still waits for something from the employee or
// the office (a new request for the employee is refused while one is open).
func (s Status) open() bool {
	return s == Requested || s == Submitted || s == Returned || s == Checked
}

// op is a change of a target's status.
type op int

const (
	opSubmit   op = iota // documents arrived (受付)
	opCheckOK            // identity check of the employee accepted
	opSendBack           // 差戻し
	opRefuse             // 提供拒否
	opRemind             // 再通知
	opRegister           // numbers registered
)

// allowed lists, for each operation, the statuses it may start from. A check may be recorded
// after a refusal (the employee changed their mind and came in) and after registration (a
// second look at new documents; the status stays registered).
var allowed = map[op][]Status{
	opSubmit:   {Requested, Returned},
	opCheckOK:  {Requested, Submitted, Returned, Refused, Checked, Registered},
	opSendBack: {Requested, Submitted, Returned, Checked},
	opRefuse:   {Requested, Submitted, Returned, Checked},
	opRemind:   {Requested, Returned},
	opRegister: {Checked, Registered},
}

// next returns the status after o from s, and whether o is allowed from s.
func next(o op, s Status) (Status, bool) {
	if !slices.Contains(allowed[o], s) {
		return s, false
	}
	switch o {
	case opSubmit:
		return Submitted, true
	case opCheckOK:
		if s == Registered {
			return Registered, true
		}
		return Checked, true
	case opSendBack:
		return Returned, true
	case opRefuse:
		return Refused, true
	case opRemind:
		return s, true
	case opRegister:
		return Registered, true
	}
	return s, false
}
