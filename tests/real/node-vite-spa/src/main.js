import { greeting } from "./greeting.js";
import "./style.css";

document.querySelector("#app").textContent = greeting("vite");
