// Package scanner brings identity-document images in from a network scanner: an eSCL
// (Mopria / Apple AirScan) client, and a hot-folder watcher for scanners that can only
// drop files into a shared folder.
//
// At the front desk (collection step 1-3 STEP2) a handler presses 読み取り; the bridge calls
// [Client.Scan], which hands every page to a callback as bytes in memory. The caller encrypts
// them at once through app/vault and stores them in the person's record.
//
// # What this package must never do
//
//   - Write a scanned image to disk: no temporary files, no caches. Pages exist only in the
//     memory handed to the caller's callback. The one file this package touches is the
//     hot-folder file the scanner itself wrote, which it reads and then removes.
//   - Log or put image bytes, or anything read from a document, into an error message.
//     Errors name pages by number and scanners by state, nothing else.
//   - Read from the network or a folder without a bound: XML documents, pages and files all
//     have a size limit, and a scanner that stays busy or keeps sending pages is given up on.
//   - Follow a link out of the hot folder.
//
// # eSCL in brief
//
// The scanner is an HTTP(S) server. Paths are relative to its eSCL root (the "rs" TXT record
// of its _uscan._tcp / _uscans._tcp mDNS service, usually "/eSCL"):
//
//	GET    ScannerCapabilities        sources, colour modes, resolutions, formats, sizes
//	GET    ScannerStatus              pwg:State, scan:AdfState, scan:Jobs
//	POST   ScanJobs                   scan:ScanSettings → 201 Created, Location: …/ScanJobs/<uuid>
//	GET    <job>/NextDocument         200 one page; 503 not ready yet; 404 no more pages
//	DELETE <job>                      cancel
//
// Scanners end a job in different ways. After the last page of a feeder batch some answer
// 404, others 409 Conflict (or 410 Gone) while ScannerStatus shows ScannerAdfEmpty and the
// job Completed; a scanner that fails mid-read may answer the page with 200 and an empty or
// cut-short body, then mark the job Aborted. So, as sane-airscan does, every job ends by
// reading the job's final state in ScannerStatus: any answer other than a page is judged
// by that state, a completed batch ends normally whatever the status code, and an empty or
// truncated page is an error ([ErrPageIncomplete]), never a page. A job that ended on the
// scanner is not DELETEd.
//
// Element names are taken from the PWG 5100.17 (IPP Scan) vocabulary that eSCL uses, in the
// namespaces http://www.pwg.org/schemas/2010/12/sm ("pwg") and
// http://schemas.hp.com/imaging/escl/2011/05/03 ("scan"). Real scanners disagree about
// prefixes and sprinkle vendor elements, so the reader matches local names only and ignores
// what it does not know. A job's Location header is used for its path only, resolved against
// [Client.BaseURL], so a scanner cannot send the client to another host.
//
// # Errors
//
// Settings the scanner cannot honour fail before any job is created, with a [*SettingsError]
// (ErrUnsupportedSettings) whose text can be shown to the handler ("this scanner has no
// document feeder"). A scanner that reports a problem yields a [*DeviceError] that unwraps to
// [ErrJammed], [ErrFeederEmpty], [ErrCoverOpen], [ErrScannerBusy], [ErrScannerDown] or
// [ErrJobAborted]. Pages handed to the callback before an error have been delivered and stay
// the caller's: the error means the batch is incomplete, and the caller may keep the pages it
// has (the bridge hands them to the app, where the handler decides).
//
// # Hot folder
//
// [Watcher] polls a folder (portable to Windows and macOS without fsnotify), waits until a file
// has stopped growing, reads it, hands it to a callback and removes it only after the callback
// succeeded. A file the callback refused stays, is reported once, and is tried again only
// after it changes.
package scanner
