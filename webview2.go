package main

import "github.com/wailsapp/wails/v2/pkg/options/windows"

// webView2Title is the title of every dialog about the WebView2 runtime (Windows only). The check
// of the installer under Wine looks for a window with this title.
const webView2Title = "MyNumber Shelter: 必要なコンポーネントがありません / Missing requirements"

// webView2Messages are the texts of Wails' dialogs on Windows when the Microsoft Edge WebView2
// runtime (which draws the window) is missing, outdated or broken: Japanese first, then English,
// saying what is wrong and what to do. Wails' own texts are English only.
func webView2Messages() *windows.Messages {
	const admin = "インストールできない場合は、システム管理者に「Microsoft Edge WebView2 ランタイム」のインストールを依頼してください。"
	return &windows.Messages{
		InstallationRequired: "この画面の表示には Microsoft Edge WebView2 ランタイムが必要です。OK を押すとダウンロードしてインストールします（画面は出ませんので、しばらくお待ちください）。\n" + admin +
			"\n\nThe Microsoft Edge WebView2 runtime is required to show this window. Press OK to download and install it (this happens in the background; please wait).",
		UpdateRequired: "Microsoft Edge WebView2 ランタイムの更新が必要です。OK を押すとダウンロードして更新します（画面は出ませんので、しばらくお待ちください）。\n" + admin +
			"\n\nThe Microsoft Edge WebView2 runtime needs an update. Press OK to download and install it (in the background; please wait).",
		MissingRequirements:  webView2Title,
		Webview2NotInstalled: "Microsoft Edge WebView2 ランタイムがないため起動できません。" + admin + "\nThe app cannot start without the Microsoft Edge WebView2 runtime: ask your administrator to install it.",
		Error:                "MyNumber Shelter: エラー / Error",
		FailedToInstall:      "WebView2 ランタイムのインストールに失敗しました。ネットワークを確認してもう一度起動するか、" + admin + "\n\nThe WebView2 runtime did not install. Check the network and start the app again, or ask your administrator to install it.",
		DownloadPage:         "Microsoft Edge WebView2 ランタイムが必要です。OK を押すとダウンロードページを開きます。必要なバージョン / Minimum version: ",
		PressOKToInstall:     "OK を押すとインストールします。 / Press OK to install.",
		ContactAdmin:         "この画面の表示には Microsoft Edge WebView2 ランタイムが必要です。システム管理者に連絡してください。\n\nThe Microsoft Edge WebView2 runtime is required. Please contact your system administrator.",
		InvalidFixedWebview2: "指定された WebView2 ランタイムが使えません（バージョンまたは場所を確認してください）。\n\nThe WebView2 runtime given is not valid: check its version and path.",
		WebView2ProcessCrash: "画面を表示する WebView2 が異常終了しました。アプリを起動し直してください。入力中で保存していない内容は失われています。\n\nThe WebView2 process crashed: start the app again. Unsaved input is lost.",
	}
}
