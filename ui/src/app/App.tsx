import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { BrowserRouter, Route, Routes } from "react-router";
import { ApiError } from "../api/client";
import { Loading } from "../components/States";
import { Layout } from "./Layout";
import { HomePage } from "../pages/home/HomePage";
import { ExperimentsPage } from "../pages/experiments/ExperimentsPage";
import { ExperimentRunsPage } from "../pages/runs/ExperimentRunsPage";
import { ModelsPage } from "../pages/models/ModelsPage";
import { EndpointsPage } from "../pages/endpoints/EndpointsPage";
import { JobsPage } from "../pages/jobs/JobsPage";
import { ComputePage } from "../pages/jobs/ComputePage";
import { DataPage } from "../pages/data/DataPage";
import { NotFoundPage } from "../pages/NotFoundPage";

// Pages that draw charts (uPlot) or previews load on demand.
const RunPage = lazy(() => import("../pages/run/RunPage"));
const ComparePage = lazy(() => import("../pages/compare/ComparePage"));
const DataAssetPage = lazy(() => import("../pages/data/DataAssetPage"));
const ModelPage = lazy(() => import("../pages/models/ModelPage"));
const ModelVersionPage = lazy(() => import("../pages/models/ModelVersionPage"));
const EndpointPage = lazy(() => import("../pages/endpoints/EndpointPage"));

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        refetchOnWindowFocus: false,
        // Client errors (4xx) are answers, not glitches: do not retry them.
        retry: (n, e) => !(e instanceof ApiError && e.status >= 400 && e.status < 500) && n < 2,
      },
    },
  });
}

export function AppRoutes() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<HomePage />} />
        <Route path="experiments" element={<ExperimentsPage />} />
        <Route path="experiments/:experimentId" element={<ExperimentRunsPage />} />
        <Route path="runs/:runId" element={<Suspense fallback={<Loading />}><RunPage /></Suspense>} />
        <Route path="compare" element={<Suspense fallback={<Loading />}><ComparePage /></Suspense>} />
        <Route path="jobs" element={<JobsPage />} />
        <Route path="jobs/:runId" element={<Suspense fallback={<Loading />}><RunPage /></Suspense>} />
        <Route path="models" element={<ModelsPage />} />
        <Route path="models/:name" element={<Suspense fallback={<Loading />}><ModelPage /></Suspense>} />
        <Route path="models/:name/versions/:version" element={<Suspense fallback={<Loading />}><ModelVersionPage /></Suspense>} />
        <Route path="endpoints" element={<EndpointsPage />} />
        <Route path="endpoints/:name" element={<Suspense fallback={<Loading />}><EndpointPage /></Suspense>} />
        <Route path="data" element={<DataPage />} />
        <Route path="data/:name" element={<Suspense fallback={<Loading />}><DataAssetPage /></Suspense>} />
        <Route path="compute" element={<ComputePage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

export function App() {
  const [client] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <AppRoutes />
      </BrowserRouter>
    </QueryClientProvider>
  );
}
