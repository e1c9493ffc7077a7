import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import './styles/tokens.css';
import './styles/base.css';
import './styles/layout.css';
import './styles/controls.css';
import './styles/start.css';
import './styles/live.css';
import './styles/snapshots.css';
import './styles/checklist.css';
import './styles/fix-evidence.css';
import './styles/walkthrough.css';
import './styles/sharing.css';
import './styles/tables.css';
import './styles/feedback.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
