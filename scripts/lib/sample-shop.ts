/**
 * The demo's sample database: a small shop with customers, products, orders and order items
 * (over 100,000 rows in all), every common column type, foreign keys, a view, a trigger and a procedure.
 * Rows are generated on the server from MariaDB's SEQUENCE engine, so creation takes seconds.
 */
import type { Connection } from 'mysql2/promise';
import { quoteIdent } from '../../shared/mysql/identifier.ts';

export interface SampleSize {
  readonly customers: number;
  readonly products: number;
  readonly orders: number;
  readonly itemsPerOrder: number;
}

export const DEFAULT_SIZE: SampleSize = { customers: 20_000, products: 2_000, orders: 60_000, itemsPerOrder: 2 };

/** Creates database `db` (dropping an older one) filled with the sample data; returns the row counts. */
export async function createSampleShop(conn: Connection, db: string, size: SampleSize = DEFAULT_SIZE): Promise<Record<string, number>> {
  const d = quoteIdent(db);
  const statements = [
    `DROP DATABASE IF EXISTS ${d}`,
    `CREATE DATABASE ${d} DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    `USE ${d}`,
    `CREATE TABLE customers (
      id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
      email VARCHAR(120) NOT NULL UNIQUE,
      name VARCHAR(100) NOT NULL,
      country CHAR(2) NOT NULL DEFAULT 'CN',
      vip BIT(1) NOT NULL DEFAULT b'0',
      flags BIT(64) NULL,
      birth_year YEAR NULL,
      born DATE NULL,
      preferred_time TIME(3) NULL,
      created_at DATETIME(6) NOT NULL,
      updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
      profile JSON NULL,
      avatar BLOB NULL,
      KEY idx_country (country, created_at)
    ) COMMENT 'people who buy'`,
    `CREATE TABLE products (
      sku VARCHAR(32) NOT NULL PRIMARY KEY,
      title VARCHAR(200) NOT NULL,
      description TEXT NULL,
      price DECIMAL(12,2) NOT NULL,
      weight_kg FLOAT NULL,
      rating DOUBLE NULL,
      stock SMALLINT NOT NULL DEFAULT 0,
      category ENUM('books','games','garden','kitchen','toys') NOT NULL,
      tags SET('new','sale','eco','gift') NOT NULL DEFAULT '',
      checksum BINARY(16) NOT NULL,
      FULLTEXT KEY ft_title (title)
    )`,
    `CREATE TABLE orders (
      id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
      customer_id INT UNSIGNED NOT NULL,
      status ENUM('draft','paid','shipped','cancelled') NOT NULL,
      total DECIMAL(65,30) NOT NULL,
      placed_at DATETIME(6) NOT NULL,
      note VARCHAR(255) NULL,
      KEY idx_customer (customer_id),
      CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
    )`,
    `CREATE TABLE order_items (
      order_id BIGINT UNSIGNED NOT NULL,
      line TINYINT UNSIGNED NOT NULL,
      sku VARCHAR(32) NOT NULL,
      quantity MEDIUMINT NOT NULL,
      unit_price DECIMAL(12,2) NOT NULL,
      discount TINYINT NULL,
      PRIMARY KEY (order_id, line),
      CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
      CONSTRAINT fk_items_product FOREIGN KEY (sku) REFERENCES products (sku)
    )`,
    `CREATE TABLE audit_log (id BIGINT AUTO_INCREMENT PRIMARY KEY, order_id BIGINT UNSIGNED, action VARCHAR(20), at DATETIME(6))`,
    `INSERT INTO customers (id, email, name, country, vip, flags, birth_year, born, preferred_time, created_at, updated_at, profile, avatar)
      SELECT seq, CONCAT('user', seq, '@example.com'),
        ELT(1 + seq % 6, CONCAT('Zoë ', seq), CONCAT('李雷 ', seq), CONCAT('O''Brien ', seq), CONCAT('Ana 😀 ', seq), CONCAT('Back\\\\slash ', seq), CONCAT('Tab\\tName ', seq)),
        ELT(1 + seq % 5, 'CN', 'US', 'DE', 'JP', 'BR'), seq % 7 = 0, IF(seq % 11 = 0, NULL, seq * 2654435761),
        IF(seq % 9 = 0, NULL, 1950 + seq % 60), IF(seq % 13 = 0, NULL, DATE('1950-01-01') + INTERVAL (seq * 37) % 20000 DAY),
        IF(seq % 4 = 0, NULL, SEC_TO_TIME((seq * 97) % 86400) + INTERVAL (seq % 1000) * 1000 MICROSECOND),
        TIMESTAMP('2020-01-01') + INTERVAL seq * 1733 SECOND + INTERVAL seq % 1000000 MICROSECOND,
        TIMESTAMP('2023-06-01') + INTERVAL seq * 311 SECOND + INTERVAL seq % 999999 MICROSECOND,
        IF(seq % 3 = 0, NULL, JSON_OBJECT('newsletter', seq % 2 = 0, 'score', seq / 7, 'tags', JSON_ARRAY('a', seq % 10))),
        IF(seq % 5 = 0, NULL, UNHEX(CONCAT('00', LPAD(HEX(seq), 8, '0'), 'FF00')))
      FROM seq_1_to_${size.customers}`,
    `INSERT INTO products
      SELECT CONCAT('SKU-', LPAD(seq, 6, '0')), CONCAT(ELT(1 + seq % 5, 'Book', 'Game', 'Rake', 'Pan', 'Toy'), ' no. ', seq, IF(seq % 10 = 0, ' 🎁', '')),
        IF(seq % 4 = 0, NULL, REPEAT('Lorem ipsum dolor sit amet. ', 1 + seq % 8)), ROUND(0.99 + (seq * 7919) % 50000 / 100, 2),
        IF(seq % 6 = 0, NULL, (seq % 1000) / 3), IF(seq % 8 = 0, NULL, 1 + (seq % 400) / 100.0 + 1e-9), seq % 32000,
        ELT(1 + seq % 5, 'books','games','garden','kitchen','toys'), ELT(1 + seq % 4, '', 'new', 'sale,eco', 'new,gift'), UNHEX(MD5(seq))
      FROM seq_1_to_${size.products}`,
    `INSERT INTO orders
      SELECT seq, 1 + (seq * 31) % ${size.customers}, ELT(1 + seq % 4, 'draft','paid','shipped','cancelled'),
        CONCAT((seq * 13) % 100000, '.', LPAD((seq * 7) % 1000000, 6, '0'), '000000000000000000000000'),
        TIMESTAMP('2024-01-01') + INTERVAL seq * 97 SECOND + INTERVAL (seq * 3) % 1000000 MICROSECOND,
        IF(seq % 5 = 0, NULL, IF(seq % 17 = 0, '', CONCAT('note ', seq)))
      FROM seq_1_to_${size.orders}`,
    `INSERT INTO order_items
      SELECT o.seq, l.seq, CONCAT('SKU-', LPAD(1 + (o.seq * l.seq * 131) % ${size.products}, 6, '0')), 1 + (o.seq + l.seq) % 9,
        ROUND(0.99 + (o.seq * 17 + l.seq) % 10000 / 100, 2), IF((o.seq + l.seq) % 3 = 0, NULL, -((o.seq + l.seq) % 50))
      FROM seq_1_to_${size.orders} o JOIN seq_1_to_${size.itemsPerOrder} l`,
    `CREATE VIEW paid_orders AS SELECT id, customer_id, total, placed_at FROM orders WHERE status = 'paid'`,
    `CREATE VIEW big_paid_orders AS SELECT * FROM paid_orders WHERE total > 50000`,
    `CREATE TRIGGER orders_audit AFTER UPDATE ON orders FOR EACH ROW INSERT INTO audit_log (order_id, action, at) VALUES (NEW.id, 'update', NOW(6))`,
    `CREATE PROCEDURE customer_orders(IN cid INT UNSIGNED) SELECT * FROM orders WHERE customer_id = cid`,
    `ANALYZE TABLE customers, products, orders, order_items`,
  ];
  for (const s of statements) await conn.query(s);
  return {
    customers: size.customers,
    products: size.products,
    orders: size.orders,
    order_items: size.orders * size.itemsPerOrder,
    audit_log: 0,
  };
}
