//! Light or dark: follows the system (`prefers-color-scheme`) until the user picks one; the
//! pick is remembered in `localStorage` and applied as `<html data-theme="…">`.

use leptos::prelude::*;

const KEY: &str = "store-uptime-theme";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn apply(theme: &str) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = match theme {
            "light" | "dark" => root.set_attribute("data-theme", theme),
            _ => root.remove_attribute("data-theme"),
        };
    }
}

/// A button cycling system → dark → light.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let saved = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .unwrap_or_else(|| "system".to_string());
    apply(&saved);
    let theme = RwSignal::new(saved);
    let next = move || {
        let t = match theme.get_untracked().as_str() {
            "system" => "dark",
            "dark" => "light",
            _ => "system",
        };
        apply(t);
        if let Some(s) = storage() {
            let _ = s.set_item(KEY, t);
        }
        theme.set(t.to_string());
    };
    view! {
        <button type="button" class="button small theme-toggle" data-testid="theme-toggle"
            title="Colour theme: follow the system, dark or light"
            on:click=move |_| next()>
            {move || match theme.get().as_str() {
                "dark" => "Theme: dark",
                "light" => "Theme: light",
                _ => "Theme: system",
            }}
        </button>
    }
}
