package bridge

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
)

// ShareIdentity returns the enrolled office id and the key id of the bridge's envelope signing
// key (an *Error with code "not_enrolled" before enrolment).
func (c *Client) ShareIdentity(ctx context.Context) (ShareIdentity, error) {
	var id ShareIdentity
	err := c.Call(ctx, "GET", "/v1/sync/share/identity", nil, &id)
	return id, err
}

// SharePublishKey publishes the installation's P-256 sharing key (65-byte point) in the
// relay's directory.
func (c *Client) SharePublishKey(ctx context.Context, pub []byte) error {
	return c.Call(ctx, "PUT", "/v1/sync/share/key", SharePublishRequest{PublicKey: pub}, nil)
}

// ShareOfficeKey returns another office's directory entry; code "not_found" when it has
// published none.
func (c *Client) ShareOfficeKey(ctx context.Context, office string) (ShareOfficeKey, error) {
	var k ShareOfficeKey
	err := c.Call(ctx, "GET", "/v1/sync/share/offices/"+url.PathEscape(office)+"/key", nil, &k)
	return k, err
}

// ShareCompanies lists the relay companies this office is a member of.
func (c *Client) ShareCompanies(ctx context.Context) ([]string, error) {
	var r ShareCompanies
	err := c.Call(ctx, "GET", "/v1/sync/share/companies", nil, &r)
	return r.Companies, err
}

// ShareRegisterCompany creates relay company company with this office as member
// (submissionKey: PKIX DER of a P-256 key).
func (c *Client) ShareRegisterCompany(ctx context.Context, company string, submissionKey []byte) error {
	return c.Call(ctx, "PUT", "/v1/sync/share/companies/"+url.PathEscape(company), ShareRegisterRequest{SubmissionKey: submissionKey}, nil)
}

// ShareAddMember makes office a member of company.
func (c *Client) ShareAddMember(ctx context.Context, company, office string) error {
	return c.Call(ctx, "POST", "/v1/sync/share/companies/"+url.PathEscape(company)+"/members", ShareMemberRequest{Office: office}, nil)
}

// ShareRemoveMember ends office's membership of company (office may be this office: it
// leaves); code "not_found" when office is not a member, "last_member" when it is the only
// one.
func (c *Client) ShareRemoveMember(ctx context.Context, company, office string) error {
	return c.Call(ctx, "DELETE", "/v1/sync/share/companies/"+url.PathEscape(company)+"/members/"+url.PathEscape(office), nil, nil)
}

// ShareEnvelopes lists one page of company's envelopes after relay id after (limit 0 = the
// bridge's maximum).
func (c *Client) ShareEnvelopes(ctx context.Context, company string, after int64, limit int) (ShareEnvelopes, error) {
	var r ShareEnvelopes
	err := c.Call(ctx, "GET", fmt.Sprintf("/v1/sync/share/companies/%s/envelopes?after=%d&limit=%d", url.PathEscape(company), after, limit), nil, &r)
	return r, err
}

// ShareSend sends one envelope synchronously: the bridge reserves the next sequence of its own
// counter and returns the header, seal makes the ciphertext with that header as additional
// data, and the bridge signs with its enrolled key and uploads it. It returns the relay's id;
// a replayed or older envelope gives code "replay".
func (c *Client) ShareSend(ctx context.Context, company, record string, seal func(aad []byte) ([]byte, error)) (int64, error) {
	var p SharePrepared
	if err := c.Call(ctx, "POST", "/v1/sync/share/envelopes", SharePrepareRequest{Company: company, Record: record}, &p); err != nil {
		return 0, err
	}
	ct, err := seal(p.AAD)
	if err != nil {
		return 0, err
	}
	for off := 0; off < len(ct); off += SharePartMax {
		part := ct[off:min(off+SharePartMax, len(ct))]
		if err := c.sharePart(ctx, p.Seq, off, part); err != nil {
			return 0, err
		}
	}
	var sent ShareSent
	err = c.Call(ctx, "POST", fmt.Sprintf("/v1/sync/share/envelopes/%d/send", p.Seq), nil, &sent)
	return sent.ID, err
}

// sharePart hands one part of a prepared envelope's ciphertext over as raw bytes.
func (c *Client) sharePart(ctx context.Context, seq uint64, off int, part []byte) error {
	return c.send(ctx, c.http(), "PUT", fmt.Sprintf("/v1/sync/share/envelopes/%d/data?offset=%d", seq, off), "application/octet-stream", bytes.NewReader(part), nil)
}
