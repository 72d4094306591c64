package collect

import (
	"slices"
	"strings"
)

// Channel is how a person handed their number in (本人確認の方法).
type Channel string

const (
	// InPerson is 対面: the original documents were shown at the desk.
	InPerson Channel = "in_person"
	// Mail is 郵送: copies were posted.
	Mail Channel = "mail"
	// Online is オンライン: images were sent from the employee web page.
	Online Channel = "online"
	// ICCard is ICカード: the My Number card was read by the card reader at the desk.
	ICCard Channel = "ic_card"
)

// Channels lists the channels in display order.
func Channels() []Channel { return []Channel{InPerson, Mail, Online, ICCard} }

// Valid reports whether c is one of the constants.
func (c Channel) Valid() bool { return slices.Contains(Channels(), c) }

// Label is the channel's name, English when lang starts with "en", Japanese otherwise.
func (c Channel) Label(lang string) string {
	l := map[Channel][2]string{
		InPerson: {"対面", "In person"},
		Mail:     {"郵送", "By mail"},
		Online:   {"オンライン", "Online"},
		ICCard:   {"ICカード（カードリーダー）", "IC card (card reader)"},
	}[c]
	if l[0] == "" {
		return string(c)
	}
	return pick(l, lang)
}

// DocKind is a kind of document seen in an identity check. It names the kind only, never a
// document number.
type DocKind string

// Documents for 番号確認 and 身元確認 (NTA 国税分野における番号法に基づく本人確認方法; compliance.md
// §3.1, §3.2).
const (
	MyNumberCard              DocKind = "mynumber_card"               // マイナンバーカード: both checks at once
	NotificationCard          DocKind = "notification_card"           // 通知カード: 番号確認 while details are unchanged
	ResidentRecord            DocKind = "resident_record_with_number" // 住民票の写し（個人番号付き）
	ResidentRecordCertificate DocKind = "resident_record_certificate" // 住民票記載事項証明書（個人番号付き）
	// NumberNotice is 個人番号通知書: it can be used for neither check.
	NumberNotice DocKind = "individual_number_notice"
	// ExistingFile is a 特定個人情報ファイル made earlier after an identity check (2回目以降).
	ExistingFile DocKind = "existing_file"
	// SelfDeclaration is 自身の個人番号に相違ない旨の申立書, for 番号確認 online only.
	SelfDeclaration DocKind = "self_declaration"

	DriversLicense                      DocKind = "drivers_license"                        // 運転免許証
	DrivingHistory                      DocKind = "driving_history_certificate"            // 運転経歴証明書 (H24.4.1以降交付)
	Passport                            DocKind = "passport"                               // 旅券
	DisabilityCertificate               DocKind = "physical_disability_certificate"        // 身体障害者手帳
	MentalHealthCertificate             DocKind = "mental_disability_certificate"          // 精神障害者保健福祉手帳
	RehabilitationCertificate           DocKind = "rehabilitation_certificate"             // 療育手帳
	ResidenceCard                       DocKind = "residence_card"                         // 在留カード
	SpecialPermanentResidentCertificate DocKind = "special_permanent_resident_certificate" // 特別永住者証明書

	HealthInsuranceCard            DocKind = "health_insurance_card"                       // 公的医療保険の被保険者証
	QualificationCertificate       DocKind = "insurance_qualification_certificate"         // 資格確認書 (see docKinds)
	PensionBook                    DocKind = "pension_book"                                // 年金手帳
	ChildSupportCertificate        DocKind = "child_support_allowance_certificate"         // 児童扶養手当証書
	SpecialChildSupportCertificate DocKind = "special_child_support_allowance_certificate" // 特別児童扶養手当証書

	// EmployerException is 身元確認書類の省略: the person is an employee whom the checker knows
	// face to face (雇用関係にあり、対面で本人に相違ないことが明らか). In person only.
	EmployerException DocKind = "employer_exception"
	// IssuedCredentials is 事業者が本人確認の上で発行したID・パスワード: the company ID, employee code
	// and one-time password of the notice letter, used on the employee web page. Online only.
	IssuedCredentials DocKind = "issued_credentials"
)

// Use says what a document kind may be used for.
type Use struct {
	// Number: usable for 番号確認.
	Number bool
	// Identity: usable for 身元確認; Photo: it has a photo (one suffices), otherwise two
	// different photo-less documents are needed; Alone: it satisfies 身元確認 by itself
	// without being a document (the employer exception, issued credentials).
	Identity, Photo, Alone bool
	// Channels limits the kind to these channels; nil means every channel.
	Channels []Channel
	// Refused: never accepted (個人番号通知書).
	Refused bool
	// Unconfirmed: the reference marks its legal status as unconfirmed; shown with a note.
	Unconfirmed bool
}

// DocInfo describes one document kind for the UI.
type DocInfo struct {
	Kind   DocKind
	JA, EN string
	Use    Use
}

var docKinds = []DocInfo{
	{MyNumberCard, "マイナンバーカード（個人番号カード）", "My Number card", Use{Number: true, Identity: true, Photo: true}},
	{NotificationCard, "通知カード（記載事項に変更がないもの）", "Notification card (details unchanged)", Use{Number: true}},
	{ResidentRecord, "住民票の写し（個人番号付き）", "Copy of the resident record with the number", Use{Number: true}},
	{ResidentRecordCertificate, "住民票記載事項証明書（個人番号付き）", "Certificate of resident record items with the number", Use{Number: true}},
	{ExistingFile, "過去に本人確認の上作成した特定個人情報ファイル", "File made earlier after an identity check", Use{Number: true}},
	{SelfDeclaration, "自身の個人番号に相違ない旨の申立書", "Declaration that the number is one's own", Use{Number: true, Channels: []Channel{Online}}},
	{NumberNotice, "個人番号通知書（本人確認には使えません）", "Individual Number notice (not accepted)", Use{Refused: true}},

	{DriversLicense, "運転免許証", "Driver's license", Use{Identity: true, Photo: true}},
	{DrivingHistory, "運転経歴証明書", "Certificate of driving history", Use{Identity: true, Photo: true}},
	{Passport, "パスポート（旅券）", "Passport", Use{Identity: true, Photo: true}},
	{DisabilityCertificate, "身体障害者手帳", "Physical disability certificate", Use{Identity: true, Photo: true}},
	{MentalHealthCertificate, "精神障害者保健福祉手帳", "Mental disability certificate", Use{Identity: true, Photo: true}},
	{RehabilitationCertificate, "療育手帳", "Rehabilitation certificate", Use{Identity: true, Photo: true}},
	{ResidenceCard, "在留カード", "Residence card", Use{Identity: true, Photo: true}},
	{SpecialPermanentResidentCertificate, "特別永住者証明書", "Special permanent resident certificate", Use{Identity: true, Photo: true}},

	{HealthInsuranceCard, "公的医療保険の被保険者証", "Health insurance card", Use{Identity: true}},
	// Whether 資格確認書 replaces the 被保険者証 under 番号法施行規則 is unconfirmed (§3.2).
	{QualificationCertificate, "健康保険の資格確認書", "Health insurance qualification certificate", Use{Identity: true, Unconfirmed: true}},
	{PensionBook, "年金手帳", "Pension book", Use{Identity: true}},
	{ChildSupportCertificate, "児童扶養手当証書", "Child support allowance certificate", Use{Identity: true}},
	{SpecialChildSupportCertificate, "特別児童扶養手当証書", "Special child support allowance certificate", Use{Identity: true}},

	{EmployerException, "身元確認書類の省略（雇用関係にあり対面で本人と確認）", "Identity documents omitted (employee known in person)",
		Use{Identity: true, Alone: true, Channels: []Channel{InPerson}}},
	{IssuedCredentials, "事業者が本人確認の上で発行したID・パスワード", "ID and password issued by the employer after an identity check",
		Use{Identity: true, Alone: true, Channels: []Channel{Online}}},
}

// DocKinds lists every document kind in display order.
func DocKinds() []DocInfo { return slices.Clone(docKinds) }

// Info returns the description of k; ok is false for an unknown kind.
func (k DocKind) Info() (DocInfo, bool) {
	for _, d := range docKinds {
		if d.Kind == k {
			return d, true
		}
	}
	return DocInfo{}, false
}

// Label is the kind's name, chosen by lang as for [Channel.Label].
func (k DocKind) Label(lang string) string {
	d, ok := k.Info()
	if !ok {
		return string(k)
	}
	return pick([2]string{d.JA, d.EN}, lang)
}

// AllowedOn reports whether the kind may be used on channel c.
func (u Use) AllowedOn(c Channel) bool {
	return u.Channels == nil || slices.Contains(u.Channels, c)
}

// CardDetails is the answer to "have the name, address or other details on the 通知カード
// changed since it was issued?" — asked only when the number document is a 通知カード.
type CardDetails string

const (
	DetailsNotAsked  CardDetails = ""
	DetailsUnchanged CardDetails = "unchanged"
	DetailsChanged   CardDetails = "changed"
)

// Flags recorded with a check (identity_checks.flags).
const (
	FlagDetailsUnchanged = "notification_card_details_unchanged"
	FlagDetailsChanged   = "notification_card_details_changed"
)

// Submission is what a checker saw: the channel, the number document, the identity documents
// and, for a 通知カード, the answer about its details. ImageKinds are the kinds of the images
// attached (one entry per image).
type Submission struct {
	Channel      Channel
	NumberDoc    DocKind
	IdentityDocs []DocKind
	CardDetails  CardDetails
	ImageKinds   []DocKind
}

// Problem is one reason a submission cannot be accepted. Code is stable for the frontend.
type Problem struct {
	Code   string
	Field  string // "channel", "numberDoc", "identityDocs", "cardDetails", "images"
	JA, EN string
}

// Problem codes.
const (
	ProblemChannel         = "channel"             // unknown channel
	ProblemUnknownDoc      = "unknown_document"    // unknown document kind
	ProblemNumberNotice    = "number_notice"       // 個人番号通知書
	ProblemNotNumberDoc    = "not_number_document" // the number document cannot prove the number
	ProblemNotIdentityDoc  = "not_identity_document"
	ProblemChannelDoc      = "document_channel" // the kind is not allowed on this channel
	ProblemDetailsUnknown  = "card_details_unknown"
	ProblemDetailsChanged  = "card_details_changed"
	ProblemIdentityMissing = "identity_missing"
	ProblemPhotolessOne    = "photoless_needs_two"
	ProblemICCardDoc       = "ic_card_needs_mynumber_card"
	ProblemImagesMissing   = "images_missing"
	ProblemImageKind       = "image_not_listed"
)

// Evaluate decides whether a submission satisfies 番号確認 and 身元確認. It returns nil when it
// does, otherwise every problem found, in a stable order. It is a pure function; the table in
// documents_test.go is its specification.
//
// The rules (compliance.md §3): the number document must prove the number (マイナンバーカード,
// 通知カード with unchanged details, 住民票 with the number, an existing file, or online a
// declaration); 個人番号通知書 is refused wherever it appears; a マイナンバーカード as the number
// document also satisfies 身元確認; otherwise one photo document, or two different documents
// without a photo, or the employer exception (in person) or the issued credentials (online)
// are needed; the IC-card channel needs the My Number card; online, every document listed
// (except the existing file and the issued credentials) needs an image, and images must be of
// listed documents.
func Evaluate(s Submission) []Problem {
	var ps []Problem
	add := func(code, field, ja, en string) { ps = append(ps, Problem{code, field, ja, en}) }
	if !s.Channel.Valid() {
		add(ProblemChannel, "channel", "確認の方法を選んでください。", "Choose how the documents were received.")
		return ps
	}
	notice := func(field string) {
		add(ProblemNumberNotice, field, "個人番号通知書は番号確認・身元確認のどちらにも使えません。",
			"The Individual Number notice cannot be used for either check.")
	}

	// 番号確認
	nd, ok := s.NumberDoc.Info()
	switch {
	case s.NumberDoc == NumberNotice:
		notice("numberDoc")
	case !ok:
		add(ProblemUnknownDoc, "numberDoc", "番号確認の書類を選んでください。", "Choose the document that shows the number.")
	case !nd.Use.Number:
		add(ProblemNotNumberDoc, "numberDoc", "「"+nd.JA+"」では番号確認ができません。", nd.EN+" does not prove the number.")
	case !nd.Use.AllowedOn(s.Channel):
		add(ProblemChannelDoc, "numberDoc", "「"+nd.JA+"」は"+s.Channel.Label("ja")+"では使えません。",
			nd.EN+" cannot be used "+strings.ToLower(s.Channel.Label("en"))+".")
	}
	if s.Channel == ICCard && s.NumberDoc != MyNumberCard {
		add(ProblemICCardDoc, "numberDoc", "ICカードでの確認はマイナンバーカードを読み取って行います。",
			"The IC-card check reads the My Number card.")
	}
	if s.NumberDoc == NotificationCard {
		switch s.CardDetails {
		case DetailsUnchanged:
		case DetailsChanged:
			add(ProblemDetailsChanged, "cardDetails", "氏名・住所等の記載事項が変わった通知カードは番号確認に使えません。住民票の写し（個人番号付き）等をご提出ください。",
				"A notification card whose details changed cannot prove the number; ask for a resident record with the number.")
		default:
			add(ProblemDetailsUnknown, "cardDetails", "通知カードの記載事項（氏名・住所等）に変更がないか確認してください。",
				"Confirm that the details on the notification card have not changed.")
		}
	}

	// 身元確認
	photo, alone := false, false
	photoless := map[DocKind]bool{}
	for _, k := range s.IdentityDocs {
		d, ok := k.Info()
		switch {
		case k == NumberNotice:
			notice("identityDocs")
		case !ok:
			add(ProblemUnknownDoc, "identityDocs", "身元確認の書類の種類が正しくありません。", "Unknown identity document.")
		case !d.Use.Identity:
			add(ProblemNotIdentityDoc, "identityDocs", "「"+d.JA+"」では身元確認ができません。", d.EN+" does not prove identity.")
		case !d.Use.AllowedOn(s.Channel):
			add(ProblemChannelDoc, "identityDocs", "「"+d.JA+"」は"+s.Channel.Label("ja")+"では使えません。",
				d.EN+" cannot be used "+strings.ToLower(s.Channel.Label("en"))+".")
		case d.Use.Alone:
			alone = true
		case d.Use.Photo:
			photo = true
		default:
			photoless[k] = true
		}
	}
	cardCovers := s.NumberDoc == MyNumberCard
	if !cardCovers && !photo && !alone && len(photoless) < 2 {
		if len(photoless) == 1 {
			add(ProblemPhotolessOne, "identityDocs", "写真のない書類で身元確認をする場合は、種類の異なる書類が2点以上必要です。",
				"Without a photo, two different identity documents are needed.")
		} else if s.Channel != ICCard {
			add(ProblemIdentityMissing, "identityDocs", "身元確認の書類を選んでください（写真付きなら1点、写真なしなら2点）。",
				"Choose the identity documents (one with a photo, or two without).")
		}
	}

	// Images
	listed := map[DocKind]bool{s.NumberDoc: true}
	for _, k := range s.IdentityDocs {
		listed[k] = true
	}
	imaged := map[DocKind]bool{}
	for _, k := range s.ImageKinds {
		if !listed[k] {
			add(ProblemImageKind, "images", "画像の書類の種類が、確認した書類の中にありません。",
				"An image is of a document that is not listed.")
			break
		}
		imaged[k] = true
	}
	if s.Channel == Online {
		for k := range listed {
			if k == "" || k == ExistingFile || k == IssuedCredentials || k == NumberNotice {
				continue
			}
			if _, known := k.Info(); known && !imaged[k] {
				add(ProblemImagesMissing, "images", "オンラインでの提出には、確認した書類すべての画像が必要です。",
					"Online submissions need an image of every document listed.")
				break
			}
		}
	}
	return ps
}

// flags returns what to record in identity_checks.flags for s.
func (s Submission) flags() []string {
	out := []string{}
	if s.NumberDoc == NotificationCard {
		switch s.CardDetails {
		case DetailsUnchanged:
			out = append(out, FlagDetailsUnchanged)
		case DetailsChanged:
			out = append(out, FlagDetailsChanged)
		}
	}
	return out
}

func pick(l [2]string, lang string) string {
	if strings.HasPrefix(lang, "en") {
		return l[1]
	}
	return l[0]
}
