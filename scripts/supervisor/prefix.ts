// "processor | " style prefixes: padded to the longest name, colored only on a terminal (pipes
// and CI logs get plain text) and never when NO_COLOR is set (https://no-color.org).
const COLORS = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94];

/** Whether the supervisor's output may carry ANSI colors. */
export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

export function makePrefixer(names: readonly string[]): (name: string) => string {
  const width = Math.max(...names.map((name) => name.length));
  const color = useColor();
  return (name) => {
    const padded = name.padEnd(width);
    if (!color) return `${padded} | `;
    const index = Math.max(0, names.indexOf(name));
    return `\u001b[${COLORS[index % COLORS.length]}m${padded} |\u001b[0m `;
  };
}
