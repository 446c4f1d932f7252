// Where the e2e tests serve the studio: 127.0.0.1, port 4173 unless E2E_PORT says otherwise (so a
// second checkout can run its tests while another's run).
export const E2E_PORT = Number(process.env.E2E_PORT ?? 4173);
export const APP_ORIGIN = `http://127.0.0.1:${E2E_PORT}`;
