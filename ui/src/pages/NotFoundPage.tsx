import { Link } from "react-router";
import { useCrumbs } from "../components/Crumbs";
import { Empty } from "../components/States";

export function NotFoundPage() {
  useCrumbs([{ label: "Not found" }]);
  return (
    <div className="card notfound">
      <Empty title="This page does not exist">
        The address may be mistyped, or what it pointed to was deleted. <Link to="/">Go home</Link>.
      </Empty>
    </div>
  );
}
