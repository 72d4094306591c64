; MyNumber Shelter — the Windows installer, built by `make installer` (Debian's makensis; no
; Wails template): the app, shelter-bridge.exe and shelterctl.exe for the current user (no
; administrator rights needed), a Start-menu entry, the WebView2 runtime when it is missing
; (the bootstrapper that comes with the Wails CLI), and shelter-bridge registered to start at
; logon. The uninstaller removes the program and the logon entry, never a vault: numbers are
; disposed of through 4-1 廃棄処理.
;
;   makensis -DVERSION=0.1.0 -DBIN=build/bin -DWEBVIEW2=…/MicrosoftEdgeWebview2Setup.exe shelter.nsi
;
; Command line (besides NSIS's own /S for silent and /D=DIR for the folder):
;   /NOWEBVIEW2  do not run the WebView2 bootstrapper even when the runtime is missing. The
;                bootstrapper downloads the runtime from Microsoft: an IT department that
;                deploys WebView2 itself, or a PC without internet, does not want that, and the
;                test that installs this under Wine (scripts/check-installer-wine.sh) must
;                neither reach the internet nor wait for a download that cannot finish there.
;                The app (Wails) then offers to install it at its first start.
;
; A 64-bit installer (amd64-unicode): what it installs is amd64 only, so on 32-bit Windows it
; stops at once instead of installing programs that cannot start; and it runs under a 64-bit
; only Wine (Debian's wine64 without wine32), which is how it is tested.

Unicode true
Target amd64-unicode
!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"

!define PRODUCT   "MyNumber Shelter"
!define PROJECT   "mynumber-shelter"
!define PUBLISHER "MyNumber Shelter"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${PROJECT}"
; The WebView2 runtime's client id (Evergreen), per-user and per-machine.
!define WV2KEY    "Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!ifndef VERSION
  !error "VERSION is required (wails.json's productVersion)"
!endif
!ifndef BIN
  !error "BIN (the folder with the .exe files) is required"
!endif
!ifndef WEBVIEW2
  !error "WEBVIEW2 (the path of MicrosoftEdgeWebview2Setup.exe) is required"
!endif

Name "${PRODUCT}"
OutFile "${BIN}\${PROJECT}-${VERSION}-setup.exe"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${PRODUCT}"
ShowInstDetails show
ManifestDPIAware true

VIProductVersion "${VERSION}.0"
VIFileVersion    "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName"     "${PRODUCT}"
VIAddVersionKey /LANG=0 "CompanyName"     "${PUBLISHER}"
VIAddVersionKey /LANG=0 "FileDescription" "${PRODUCT} Installer"
VIAddVersionKey /LANG=0 "FileVersion"     "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion"  "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright"  "${PUBLISHER}"

!define MUI_ICON   "..\icon.ico"
!define MUI_UNICON "..\icon.ico"
!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Japanese"
!insertmacro MUI_LANGUAGE "English"

Section "Install"
  SetOutPath "$INSTDIR"
  File "/oname=${PROJECT}.exe" "${BIN}\${PROJECT}.exe"
  File "${BIN}\shelter-bridge.exe"
  File "${BIN}\shelterctl.exe"

  ; WebView2 when neither this user nor the machine has it, unless /NOWEBVIEW2 was given.
  ; (Kept in $R2: ReadRegStr sets the error flag GetOptions reports through.)
  StrCpy $R2 ""
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/NOWEBVIEW2" $R1
  ${IfNot} ${Errors}
    StrCpy $R2 "skip"
    DetailPrint "WebView2: /NOWEBVIEW2, not installed by this installer"
  ${EndIf}
  ReadRegStr $0 HKCU "Software\${WV2KEY}" "pv"
  ReadRegStr $1 HKLM "SOFTWARE\WOW6432Node\${WV2KEY}" "pv"
  ${If} $0 == ""
  ${AndIf} $1 == ""
  ${AndIf} $R2 == ""
    InitPluginsDir
    File "/oname=$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" "${WEBVIEW2}"
    DetailPrint "WebView2 ランタイムをインストールしています / Installing the WebView2 runtime"
    ExecWait '"$PLUGINSDIR\MicrosoftEdgeWebview2Setup.exe" /silent /install' $2
    DetailPrint "WebView2: $2"
  ${EndIf}

  CreateShortcut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\${PROJECT}.exe"
  ; The device service (card readers, vein sensor, scanners, cloud sync) at this user's logon.
  ; A failure here does not fail the installation: the app starts the bridge itself when it is
  ; not running.
  ExecWait '"$INSTDIR\shelter-bridge.exe" install' $3
  DetailPrint "shelter-bridge install: $3"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName"     "${PRODUCT}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion"  "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher"       "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon"     "$INSTDIR\${PROJECT}.exe"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  ExecWait '"$INSTDIR\shelter-bridge.exe" uninstall'
  Delete "$INSTDIR\${PROJECT}.exe"
  Delete "$INSTDIR\shelter-bridge.exe"
  Delete "$INSTDIR\shelterctl.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  DeleteRegKey HKCU "${UNINSTKEY}"
  ; The vault (%LOCALAPPDATA%\MyNumber Shelter) stays: it holds the office's numbers, which
  ; are disposed of through 4-1 廃棄処理 (crypto-shredding, with a certificate), not by an
  ; uninstaller.
  DetailPrint "保管庫（%LOCALAPPDATA%\MyNumber Shelter）は削除していません / The vault was not removed"
SectionEnd
