import { DashboardApp } from './app';

const app = new DashboardApp();
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => app.start());
else app.start();
