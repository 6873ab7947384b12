export interface Product {
  sku: string;
  name: string;
  priceCents: number;
}

export const products: Product[] = [
  { sku: "kb-01", name: "Mechanical keyboard", priceCents: 12900 },
  { sku: "ms-02", name: "Wireless mouse", priceCents: 3900 },
  { sku: "mn-27", name: "27-inch monitor", priceCents: 27900 },
];
