import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import { applyTheme, currentTheme } from "./theme";

// Before the first paint, so a dark desktop never flashes white.
applyTheme(currentTheme());

const target = document.getElementById("app");
if (!target) throw new Error("#app fehlt in index.html");

export default mount(App, { target });
