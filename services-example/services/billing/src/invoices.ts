import ms from "ms";

export interface Invoice {
  id: string;
  customer: string;
  amountCents: number;
  issuedAt: string;
  dueAt: string;
}

const PAYMENT_TERMS = ms("30d");

const issued = new Date("2024-05-01T00:00:00Z");

export const invoices: Invoice[] = [
  { id: "inv-1001", customer: "globex", amountCents: 129900 },
  { id: "inv-1002", customer: "initech", amountCents: 4500 },
].map((invoice) => ({
  ...invoice,
  issuedAt: issued.toISOString(),
  dueAt: new Date(issued.getTime() + PAYMENT_TERMS).toISOString(),
}));
