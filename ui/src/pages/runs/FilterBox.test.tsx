import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FilterBox } from "./FilterBox";

afterEach(cleanup);

describe("FilterBox", () => {
  it("applies the typed filter on Enter", () => {
    const onApply = vi.fn();
    render(<FilterBox value="" onApply={onApply} />);
    const input = screen.getByLabelText("Filter runs");
    fireEvent.change(input, { target: { value: "  metrics.acc > 0.9 " } });
    fireEvent.submit(input.closest("form")!);
    expect(onApply).toHaveBeenCalledWith("metrics.acc > 0.9");
  });
  it("shows the server's error under the box and marks the input invalid", () => {
    render(<FilterBox value="metrics.acc >> 1" onApply={() => {}} error="expected a number at position 13" />);
    expect(screen.getByRole("alert").textContent).toContain("position 13");
    expect(screen.getByLabelText("Filter runs").getAttribute("aria-invalid")).toBe("true");
  });
  it("Escape puts back the applied filter", () => {
    render(<FilterBox value="params.a = 'x'" onApply={() => {}} />);
    const input = screen.getByLabelText("Filter runs") as HTMLInputElement;
    fireEvent.change(input, { target: { value: "junk" } });
    fireEvent.keyDown(input, { key: "Escape" });
    expect(input.value).toBe("params.a = 'x'");
  });
});
