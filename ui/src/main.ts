import { mount } from 'svelte';
import './app.css';
// Applies the stored theme and text size before the first render.
import './lib/display.svelte';
import App from './App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('missing #app element');

export default mount(App, { target });
