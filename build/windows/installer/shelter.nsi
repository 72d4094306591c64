; MyNumber Shelter — the Windows installer, built by `make installer` (Debian's makensis; no
; Wails template): the app, shelter-bridge.exe and shelterctl.exe for the current user (no
; administrator rights needed) or for every user of the PC, as the user chooses on the page
; after the welcome page (or with /ALLUSERS), a Start-menu entry, the WebView2 runtime when it
; is missing (the bootstrapper that comes with the Wails CLI), and shelter-bridge registered to
; start at logon. The uninstaller removes the program and the logon entry, never a vault:
; numbers are disposed of through 4-1 廃棄処理.
;
;   makensis -DVERSION=0.1.0 -DBIN=build/bin -DWEBVIEW2=…/MicrosoftEdgeWebview2Setup.exe shelter.nsi
;
; The install-mode page (InstallModePage): 「このユーザーのみ」 (the default; no administrator
; rights) or 「このPCのすべてのユーザー」, which is greyed out with a line saying how to get it
; (「管理者として実行」) unless the installer runs as administrator. Choosing sets what /ALLUSERS
; sets (SetInstallMode, the one place for both). The page is not shown with /S or /ALLUSERS.
; Its texts are LangStrings: Japanese first with English under Japanese Windows, English
; under any other (MUI picks the language from Windows' UI language).
;
; Command line (besides NSIS's own /S for silent and /D=DIR for the folder):
;   /ALLUSERS    install for every user of the PC (an IT department's deployment): into
;                Program Files, the Start-menu entry and the uninstall key for all users, and
;                the bridge in the machine's Run key (each user's own bridge starts at their
;                logon; none is started by the installer, which runs elevated). Needs the
;                installer to run as administrator, else it stops with a message (exit 740).
;                The installer itself never asks for elevation: a per-user installation must
;                stay the user's own, not an administrator's who typed a password for them.
;                Its uninstaller knows the mode from the machine's uninstall key.
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
!include "nsDialogs.nsh"

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

Var AllUsers  ; "1": installed for all users of the PC (/ALLUSERS or the page); "": for this user
Var ModeGiven ; "1": /ALLUSERS was on the command line, so the install-mode page is not shown
Var RadioMe   ; the install-mode page's radio buttons
Var RadioAll

; With a code-signing certificate (scripts/sign-windows.sh, `make installer` passes SIGN when
; SHELTER_SIGN_PFX is set), the installer and the uninstaller it writes are signed too.
!ifdef SIGN
  !finalize '"${SIGN}" "%1"' = 0
  !uninstfinalize '"${SIGN}" "%1"' = 0
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
Page custom InstallModePage InstallModeLeave
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Japanese"
!insertmacro MUI_LANGUAGE "English"

; AllUsersNeedsAdmin stops unless the installer or uninstaller runs as administrator.
!macro AllUsersNeedsAdmin
  UserInfo::GetAccountType
  Pop $0
  ${If} $0 != "Admin"
    MessageBox MB_OK|MB_ICONSTOP "すべてのユーザー向けのインストール・アンインストールには管理者権限が必要です。右クリックの「管理者として実行」で起動し直してください。$\r$\n$\r$\nInstalling or removing ${PRODUCT} for all users of this PC needs administrator rights: run it as administrator." /SD IDOK
    SetErrorLevel 740
    Quit
  ${EndIf}
!macroend

; The install-mode page's texts. (&M) and (&A): Alt+M and Alt+A choose a button, as Windows
; users expect (and as scripts/check-installer-wine.sh drives the page).
LangString ModeTitle ${LANG_JAPANESE} "インストールの種類 / Installation type"
LangString ModeTitle ${LANG_ENGLISH} "Installation type"
LangString ModeSubtitle ${LANG_JAPANESE} "どのユーザーのためにインストールするかを選んでください。 / Choose who ${PRODUCT} is installed for."
LangString ModeSubtitle ${LANG_ENGLISH} "Choose who ${PRODUCT} is installed for."
LangString ModeIntro ${LANG_JAPANESE} "どちらでも、保管庫（マイナンバーのデータ）は各ユーザーのフォルダーに置かれます。$\r$\nEither way, each user's vault (the My Number data) stays in that user's own folder."
LangString ModeIntro ${LANG_ENGLISH} "Either way, each user's vault (the My Number data) stays in that user's own folder."
LangString ModeMe ${LANG_JAPANESE} "このユーザーのみ(&M)（推奨・管理者権限は不要）$\r$\nOnly for me (recommended, no administrator rights)"
LangString ModeMe ${LANG_ENGLISH} "Only for &me (recommended, no administrator rights)"
LangString ModeAll ${LANG_JAPANESE} "このPCのすべてのユーザー(&A)（管理者権限が必要）$\r$\nFor all users of this PC (administrator rights needed)"
LangString ModeAll ${LANG_ENGLISH} "For &all users of this PC (administrator rights needed)"
LangString ModeAllHow ${LANG_JAPANESE} "すべてのユーザー向けには、このインストーラーを右クリックの「管理者として実行」で起動し直してください。$\r$\nFor all users, start this installer again with right-click, Run as administrator."
LangString ModeAllHow ${LANG_ENGLISH} "For all users, start this installer again with right-click, Run as administrator."

; SetInstallMode: the one place that sets the install mode, for /ALLUSERS (.onInit) and the
; install-mode page. Push "1" (all users of the PC) or "" (this user), then Call. It sets
; $AllUsers and the shell folders' context, and swaps the default folder between
; %LOCALAPPDATA%\Programs and Program Files, leaving a folder the user chose (/D= or typed on
; the directory page) alone. All users needs administrator rights (else it stops, exit 740).
Function SetInstallMode
  Exch $R9
  ; $LOCALAPPDATA is the user's only in the current context: compare in it.
  SetShellVarContext current
  ${If} $R9 == "1"
    !insertmacro AllUsersNeedsAdmin
    StrCpy $AllUsers "1"
    ${If} $INSTDIR == "$LOCALAPPDATA\Programs\${PRODUCT}"
      StrCpy $INSTDIR "$PROGRAMFILES64\${PRODUCT}"
    ${EndIf}
    SetShellVarContext all
  ${Else}
    StrCpy $AllUsers ""
    ${If} $INSTDIR == "$PROGRAMFILES64\${PRODUCT}"
      StrCpy $INSTDIR "$LOCALAPPDATA\Programs\${PRODUCT}"
    ${EndIf}
  ${EndIf}
  Pop $R9
FunctionEnd

Function .onInit
  StrCpy $AllUsers ""
  StrCpy $ModeGiven ""
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/ALLUSERS" $R1
  ${IfNot} ${Errors}
    StrCpy $ModeGiven "1"
    Push "1"
    Call SetInstallMode
  ${EndIf}
FunctionEnd

; InstallModePage: the choice between this user and all users of the PC, unless the command
; line decided (/ALLUSERS) or nobody is there to choose (/S). All users is offered only to an
; installer running as administrator: it never asks for elevation itself (see the top).
Function InstallModePage
  ${If} $ModeGiven == "1"
    Abort
  ${EndIf}
  ${If} ${Silent}
    Abort
  ${EndIf}
  !insertmacro MUI_HEADER_TEXT "$(ModeTitle)" "$(ModeSubtitle)"
  nsDialogs::Create 1018
  Pop $0
  ${If} $0 == error
    Abort
  ${EndIf}
  ${NSD_CreateLabel} 0 0 100% 24u "$(ModeIntro)"
  Pop $0
  ${NSD_CreateFirstRadioButton} 0 34u 100% 22u "$(ModeMe)"
  Pop $RadioMe
  ${NSD_CreateAdditionalRadioButton} 0 62u 100% 22u "$(ModeAll)"
  Pop $RadioAll
  UserInfo::GetAccountType
  Pop $0
  ${If} $0 != "Admin"
    EnableWindow $RadioAll 0
    ${NSD_CreateLabel} 12u 88u -12u 24u "$(ModeAllHow)"
    Pop $0
  ${EndIf}
  ; Back from the directory page shows the mode chosen before.
  ${If} $AllUsers == "1"
    ${NSD_Check} $RadioAll
    ${NSD_SetFocus} $RadioAll
  ${Else}
    ${NSD_Check} $RadioMe
    ${NSD_SetFocus} $RadioMe
  ${EndIf}
  nsDialogs::Show
FunctionEnd

Function InstallModeLeave
  ${NSD_GetState} $RadioAll $0
  ${If} $0 == ${BST_CHECKED}
    Push "1"
  ${Else}
    Push ""
  ${EndIf}
  Call SetInstallMode
FunctionEnd

Function un.onInit
  StrCpy $AllUsers ""
  ReadRegStr $0 HKLM "${UNINSTKEY}" "InstallLocation"
  ${If} $0 == $INSTDIR
    !insertmacro AllUsersNeedsAdmin
    StrCpy $AllUsers "1"
    SetShellVarContext all
  ${EndIf}
FunctionEnd

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
  ${If} $AllUsers == "1"
    ExecWait '"$INSTDIR\shelter-bridge.exe" install --all-users' $3
  ${Else}
    ExecWait '"$INSTDIR\shelter-bridge.exe" install' $3
  ${EndIf}
  DetailPrint "shelter-bridge install: $3"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayName"     "${PRODUCT}"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayVersion"  "${VERSION}"
  WriteRegStr SHCTX "${UNINSTKEY}" "Publisher"       "${PUBLISHER}"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayIcon"     "$INSTDIR\${PROJECT}.exe"
  WriteRegStr SHCTX "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD SHCTX "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTKEY}" "NoRepair" 1
SectionEnd

Section "Uninstall"
  ${If} $AllUsers == "1"
    ExecWait '"$INSTDIR\shelter-bridge.exe" uninstall --all-users'
  ${Else}
    ExecWait '"$INSTDIR\shelter-bridge.exe" uninstall'
  ${EndIf}
  Delete "$INSTDIR\${PROJECT}.exe"
  ; Other users' bridges may still run until they log off: then at the next restart.
  Delete /REBOOTOK "$INSTDIR\shelter-bridge.exe"
  Delete "$INSTDIR\shelterctl.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir /REBOOTOK "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  DeleteRegKey SHCTX "${UNINSTKEY}"
  ; The vault (%LOCALAPPDATA%\MyNumber Shelter of each user) stays: it holds the office's numbers, which
  ; are disposed of through 4-1 廃棄処理 (crypto-shredding, with a certificate), not by an
  ; uninstaller.
  DetailPrint "保管庫（%LOCALAPPDATA%\MyNumber Shelter）は削除していません / The vault was not removed"
SectionEnd
