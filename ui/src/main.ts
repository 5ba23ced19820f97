import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { applyTheme, currentTheme } from "./theme";
import { locale } from "./lib/i18n/i18n.svelte";

// Before the first paint, so a dark desktop never flashes white.
applyTheme(currentTheme());
document.documentElement.lang = locale();

const target = document.getElementById("app");
if (!target) throw new Error("#app fehlt in index.html");

export default mount(App, { target });
