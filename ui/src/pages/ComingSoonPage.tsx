import { Link } from "react-router";
import { useCrumbs } from "../components/Crumbs";
import { BoxIcon, RadioIcon } from "../components/Icons";
import { Empty } from "../components/States";

const FEATURES = {
  models: { title: "Models", icon: BoxIcon, text: "The model registry (versions, aliases, lineage to the runs that trained them) arrives with the models release." },
  endpoints: { title: "Endpoints", icon: RadioIcon, text: "Real-time and batch endpoints, with deployments, traffic split, a test console and latency charts, arrive with the endpoints release." },
} as const;

export function ComingSoonPage({ feature }: { feature: keyof typeof FEATURES }) {
  const f = FEATURES[feature];
  useCrumbs([{ label: f.title }]);
  const Icon = f.icon;
  return (
    <div className="page">
      <div className="page-head"><div className="titles"><h1>{f.title}</h1></div></div>
      <div className="card">
        <Empty title={`${f.title} are not part of this workspace yet`} icon={<Icon size={28} />}>
          {f.text} <Link to="/experiments">Browse experiments</Link>.
        </Empty>
      </div>
    </div>
  );
}
