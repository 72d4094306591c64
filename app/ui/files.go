package ui

import (
	"encoding/base64"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mynumber-shelter/shelter/app/apperr"
	"github.com/mynumber-shelter/shelter/internal/atomicfile"
)

// FileService saves what a screen downloads (a notice workbook, a My Number CSV, a report)
// where the user chooses, through the desktop's own save dialog, and says where it went. A
// browser has no such dialog (the browser tests, webrpc): there Save answers "no_dialog" and the
// page hands the file to the browser's download instead.
type FileService struct {
	a      *App
	mu     sync.Mutex
	dialog func(defaultName string) (string, error)
}

// SetSaveDialog sets the save dialog (main.go: Wails' SaveFileDialog). It returns the path the
// user chose, or "" when they cancelled.
func (a *App) SetSaveDialog(dialog func(defaultName string) (string, error)) {
	a.Files.mu.Lock()
	defer a.Files.mu.Unlock()
	a.Files.dialog = dialog
}

// SavedFile says where a file went; Path is "" when the user cancelled.
type SavedFile struct {
	Path string `json:"path"`
}

// ErrNoDialog: this window has no save dialog (a browser); the page downloads the file itself.
var ErrNoDialog = apperr.New("no_dialog", "", "保存ダイアログを使えません。", "No save dialog in this window.")

// Save asks where to save fileName and writes data (standard base64) there with mode 0600, whole
// or not at all. The data came from another call of this session (which recorded the 持出し).
func (s *FileService) Save(fileName, dataBase64 string) (SavedFile, error) {
	if _, err := s.a.ready(); err != nil {
		return SavedFile{}, err
	}
	s.mu.Lock()
	dialog := s.dialog
	s.mu.Unlock()
	if dialog == nil {
		return SavedFile{}, toError(ErrNoDialog)
	}
	data, err := base64.StdEncoding.DecodeString(dataBase64)
	if err != nil {
		return SavedFile{}, toError(apperr.Invalid("data", "ファイルの内容が正しくありません。", "The file's data is not valid."))
	}
	defer clear(data)
	name := filepath.Base(strings.ReplaceAll(fileName, "\\", "/"))
	path, err := dialog(name)
	if err != nil {
		return SavedFile{}, s.a.fail("save dialog", err)
	}
	if path == "" {
		return SavedFile{}, nil
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		s.a.log.Warn("saving a file", "err", err)
		return SavedFile{}, toError(apperr.Wrap(err, "save_failed", "",
			"ファイルを保存できませんでした（保存先に書き込めない、または空き容量が足りません）。別の場所を選んでください。",
			"The file could not be saved (the folder is not writable or the disk is full). Choose another place."))
	}
	return SavedFile{Path: path}, nil
}
